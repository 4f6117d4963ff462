import type { Command } from 'commander';
import type { PluginKind } from '@codemonkeys/protocol';
import { listInstalledPlugins } from '../plugins/installed-plugins';
import { loadPlugin } from '../plugins/load-plugin';
import { shortPluginName } from '../plugins/plugin-name';

export interface PluginListing {
  packageName: string;
  shortName?: string;
  version: string;
  kind?: PluginKind;
  specificationVersion?: string;
  description?: string;
  directory: string;
  /** Why the package could not be loaded as a plugin. */
  error?: string;
}

/** Installed plugins with their kinds and protocol versions (each one imported to read them). */
export async function describeInstalledPlugins(cwd: string): Promise<PluginListing[]> {
  const listings: PluginListing[] = [];
  for (const plugin of listInstalledPlugins(cwd)) {
    const listing: PluginListing = { packageName: plugin.packageName, version: plugin.version, directory: plugin.directory };
    const short = shortPluginName(plugin.packageName);
    if (short) listing.shortName = short;
    try {
      const loaded = await loadPlugin(plugin.packageName, undefined, { cwd });
      listing.kind = loaded.definition.kind;
      listing.specificationVersion = loaded.definition.specificationVersion;
      const description = loaded.definition.description ?? plugin.description;
      if (description) listing.description = description;
    } catch (error) {
      listing.error = (error as Error).message.split('\n')[0];
    }
    listings.push(listing);
  }
  return listings;
}

export function registerPluginsCommand(program: Command): void {
  program
    .command('plugins')
    .description('List the installed plugins, their versions and protocol versions.')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const listings = await describeInstalledPlugins(process.cwd());
      if (options.json) {
        process.stdout.write(`${JSON.stringify(listings, null, 2)}\n`);
        return;
      }
      if (listings.length === 0) {
        process.stdout.write('No plugins installed. Install one, e.g. npm install @codemonkeys/localizer-embedding\n');
        return;
      }
      for (const listing of listings) {
        const name = listing.shortName ? `${listing.packageName} (${listing.shortName})` : listing.packageName;
        const detail = listing.error ? `not loadable: ${listing.error}` : `${listing.kind}, protocol ${listing.specificationVersion}`;
        process.stdout.write(`${name}@${listing.version}  ${detail}\n`);
      }
    });
}
