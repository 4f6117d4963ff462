import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { InvalidPluginError, NoSuchPluginError, assertPluginDefinition, type PluginDefinition, type PluginKind } from '@codemonkeys/protocol';
import { resolve as resolveModule } from 'import-meta-resolve';
import { listInstalledPlugins } from './installed-plugins';
import { parsePluginName, shortPluginName } from './plugin-name';

export interface LoadedPlugin<K extends PluginKind = PluginKind> {
  /** As the user wrote it. */
  name: string;
  definition: PluginDefinition<K>;
  /** Where it came from: the user's project, the runner's own dependencies, or a path. */
  source: 'project' | 'runner' | 'path';
  /** The module file that was imported. */
  entry: string;
}

function entryOfDirectory(directory: string): string {
  const manifestPath = path.join(directory, 'package.json');
  if (!fs.existsSync(manifestPath)) return path.join(directory, 'index.js');
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as { exports?: unknown; main?: string; module?: string };
  const fromExports = (value: unknown): string | undefined => {
    if (typeof value === 'string') return value;
    if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      if ('.' in record) return fromExports(record['.']);
      for (const condition of ['import', 'node', 'default']) {
        const found = fromExports(record[condition]);
        if (found) return found;
      }
    }
    return undefined;
  };
  return path.join(directory, fromExports(manifest.exports) ?? manifest.module ?? manifest.main ?? 'index.js');
}

function tryResolve(specifier: string, parent: URL): string | undefined {
  try {
    return fileURLToPath(resolveModule(specifier, parent.href));
  } catch {
    return undefined;
  }
}

function packageDirectoryOf(entry: string, packageName: string): string | undefined {
  for (let directory = path.dirname(entry); ; directory = path.dirname(directory)) {
    const manifestPath = path.join(directory, 'package.json');
    if (fs.existsSync(manifestPath)) {
      try {
        if ((JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as { name?: string }).name === packageName) return directory;
      } catch {
        // keep looking
      }
    }
    if (path.dirname(directory) === directory) return undefined;
  }
}

/**
 * Loads a plugin by the name a user gave (see {@link parsePluginName}), resolving packages from the
 * user's project first, then from the runner's own dependencies. Checks that it is a plugin of `kind`
 * with a supported specification version, and that its `meta` matches its package.json.
 */
export async function loadPlugin<K extends PluginKind>(name: string, kind: K | undefined, options: { cwd: string }): Promise<LoadedPlugin<K>> {
  const reference = parsePluginName(name, kind ?? 'localizer', options.cwd);
  if (kind === undefined && reference.type === 'package' && reference.packageName !== name) {
    throw new InvalidPluginError({ pluginName: name, reason: 'a short name needs the stage it is for; give the full package name' });
  }
  let entry: string | undefined;
  let source: LoadedPlugin['source'];
  if (reference.type === 'path') {
    source = 'path';
    if (!fs.existsSync(reference.location)) {
      throw new NoSuchPluginError({
        pluginName: name,
        ...(kind ? { kind } : {}),
        available: availableNames(options.cwd),
        cause: new Error(`${reference.location} does not exist`),
      });
    }
    entry = fs.statSync(reference.location).isDirectory() ? entryOfDirectory(reference.location) : reference.location;
  } else {
    entry = tryResolve(reference.packageName, pathToFileURL(path.join(options.cwd, 'package.json')));
    source = 'project';
    if (!entry) {
      entry = tryResolve(reference.packageName, new URL(import.meta.url));
      source = 'runner';
    }
    if (!entry) throw new NoSuchPluginError({ pluginName: reference.packageName, ...(kind ? { kind } : {}), available: availableNames(options.cwd) });
  }

  let module: { default?: unknown; plugin?: unknown };
  try {
    module = (await import(pathToFileURL(entry).href)) as typeof module;
  } catch (error) {
    throw new InvalidPluginError({ pluginName: name, reason: `importing ${entry} failed: ${(error as Error).message}`, cause: error });
  }
  const definition = module.default ?? module.plugin;
  assertPluginDefinition(definition, name, kind);

  if (reference.type === 'package') {
    const directory = packageDirectoryOf(entry, reference.packageName);
    const manifest = directory ? (JSON.parse(fs.readFileSync(path.join(directory, 'package.json'), 'utf8')) as { name: string; version: string }) : undefined;
    if (manifest && (manifest.name !== definition.meta.name || manifest.version !== definition.meta.version)) {
      throw new InvalidPluginError({
        pluginName: name,
        reason: `its meta (${definition.meta.name}@${definition.meta.version}) differs from its package.json (${manifest.name}@${manifest.version}); build meta from package.json`,
      });
    }
  }
  return { name, definition: definition as PluginDefinition<K>, source, entry };
}

function availableNames(cwd: string): string[] {
  return listInstalledPlugins(cwd).map((plugin) => {
    const short = shortPluginName(plugin.packageName);
    return short ? `${plugin.packageName} (short name: ${short})` : plugin.packageName;
  });
}
