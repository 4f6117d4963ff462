import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { sampleRun } from '@codemonkeys/protocol/testkit';
import { afterAll, expect, it } from 'vitest';
import { openStorage } from './open-storage';

const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'codemonkeys-open-storage-'));
afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

it('opens SQLite without loading the Firestore client', async () => {
  const storage = await openStorage('sqlite:runs.db', { cwd: directory });
  await storage.putRun(sampleRun());
  expect(storage.name).toBe('sqlite');
  await storage.close();
  expect(fs.existsSync(path.join(directory, 'runs.db'))).toBe(true);
  // @google-cloud/firestore is CommonJS: had anything imported it, it would sit in the require cache.
  const loaded = Object.keys(createRequire(import.meta.url).cache);
  expect(loaded.some((file) => file.includes('better-sqlite3'))).toBe(true);
  expect(loaded.some((file) => /@google-cloud[\\/]firestore/.test(file))).toBe(false);
});

it('refuses to create a database for a command that only reads', async () => {
  await expect(openStorage('sqlite:missing.db', { cwd: directory, mustExist: true })).rejects.toThrow(/No run database at .*missing\.db/);
  expect(fs.existsSync(path.join(directory, 'missing.db'))).toBe(false);
});
