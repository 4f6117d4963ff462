import fs from 'node:fs';
import path from 'node:path';
import type { Availability } from './availability';

/** The environment variable naming the folder with the SWE-bench data files. */
export const sharedDataEnvironmentVariable = 'CODEMONKEYS_DATA_DIR';

function findWorkspaceRoot(start: string): string | undefined {
  for (let directory = path.resolve(start); ; directory = path.dirname(directory)) {
    const manifest = path.join(directory, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        if (Array.isArray((JSON.parse(fs.readFileSync(manifest, 'utf8')) as { workspaces?: unknown }).workspaces)) return directory;
      } catch {
        // not the root; keep walking
      }
    }
    if (path.dirname(directory) === directory) return undefined;
  }
}

/**
 * The folder of the shared SWE-bench data: $CODEMONKEYS_DATA_DIR, else `../shared/data` next to the
 * repository checkout. The root README says where to get the public files.
 */
export function sharedDataDirectory(): string {
  const fromEnvironment = process.env[sharedDataEnvironmentVariable];
  if (fromEnvironment) return path.resolve(fromEnvironment);
  const root = findWorkspaceRoot(process.cwd()) ?? process.cwd();
  return path.resolve(root, '..', 'shared', 'data');
}

export interface SharedDataFiles extends Availability {
  /** Absolute paths of the requested files, by their relative name. */
  paths: Record<string, string>;
}

/** Locates data files (relative to the data folder); `available` is false, with a reason, when one is missing. */
export function locateSharedData(...files: string[]): SharedDataFiles {
  const directory = sharedDataDirectory();
  const paths: Record<string, string> = {};
  const missing: string[] = [];
  for (const file of files) {
    const absolute = path.join(directory, file);
    paths[file] = absolute;
    if (!fs.existsSync(absolute)) missing.push(file);
  }
  if (missing.length === 0) return { available: true, paths };
  return {
    available: false,
    paths,
    reason: `shared SWE-bench data missing in ${directory}: ${missing.join(', ')} ` + `(set ${sharedDataEnvironmentVariable} to the folder holding them; see the root README)`,
  };
}
