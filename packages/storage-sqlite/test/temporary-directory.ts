import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh directory under the system's temporary directory; remove it with `fs.rmSync(directory, { recursive: true })`. */
export const makeTemporaryDirectory = (prefix = 'codemonkeys-sqlite-'): string => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

/** Every file of a directory, concatenated: what a search of "the stored bytes" must look through. */
export function readDirectoryBytes(directory: string): Buffer {
  return Buffer.concat(
    fs
      .readdirSync(directory)
      .map((name) => path.join(directory, name))
      .filter((file) => fs.statSync(file).isFile())
      .map((file) => fs.readFileSync(file)),
  );
}
