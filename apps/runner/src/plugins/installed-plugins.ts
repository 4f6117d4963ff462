import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The keyword a plugin package carries in package.json so that `codemonkeys plugins` finds it. */
export const pluginKeyword = 'codemonkeys-plugin';

export interface InstalledPlugin {
  packageName: string;
  version: string;
  directory: string;
  description?: string;
}

function nodeModulesUp(start: string): string[] {
  const found: string[] = [];
  for (let directory = path.resolve(start); ; directory = path.dirname(directory)) {
    const candidate = path.join(directory, 'node_modules');
    if (fs.existsSync(candidate)) found.push(candidate);
    if (path.dirname(directory) === directory) return found;
  }
}

function readManifest(directory: string): { name?: string; version?: string; description?: string; keywords?: unknown } | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(directory, 'package.json'), 'utf8')) as never;
  } catch {
    return undefined;
  }
}

/**
 * Plugin packages visible from the user's project (`cwd`) and from the runner's own install: packages whose
 * package.json has the `codemonkeys-plugin` keyword. The user's project wins when both have one.
 */
export function listInstalledPlugins(cwd: string): InstalledPlugin[] {
  const runnerDirectory = path.dirname(fileURLToPath(import.meta.url));
  const roots = [...new Set([...nodeModulesUp(cwd), ...nodeModulesUp(runnerDirectory)])];
  const plugins = new Map<string, InstalledPlugin>();
  for (const root of roots) {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(root, { withFileTypes: true });
    } catch {
      continue;
    }
    const packageDirectories: string[] = [];
    for (const entry of entries) {
      if (!entry.isDirectory() && !entry.isSymbolicLink()) continue;
      if (entry.name.startsWith('@')) {
        try {
          for (const scoped of fs.readdirSync(path.join(root, entry.name))) packageDirectories.push(path.join(root, entry.name, scoped));
        } catch {
          // unreadable scope folder: skip
        }
      } else if (!entry.name.startsWith('.')) {
        packageDirectories.push(path.join(root, entry.name));
      }
    }
    for (const directory of packageDirectories) {
      const manifest = readManifest(directory);
      if (!manifest?.name || plugins.has(manifest.name)) continue;
      if (!Array.isArray(manifest.keywords) || !manifest.keywords.includes(pluginKeyword)) continue;
      plugins.set(manifest.name, {
        packageName: manifest.name,
        version: manifest.version ?? '0.0.0',
        directory: fs.realpathSync(directory),
        ...(manifest.description ? { description: manifest.description } : {}),
      });
    }
  }
  return [...plugins.values()].sort((a, b) => a.packageName.localeCompare(b.packageName));
}
