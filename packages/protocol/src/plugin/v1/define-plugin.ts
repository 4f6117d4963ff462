import { z } from 'zod';
import { InvalidPluginError, InvalidPluginOptionsError, UnsupportedSpecificationVersionError } from '../../errors/plugin-errors';
import type { PatchGeneratorV1 } from '../../generator/v1/patch-generator';
import type { LocalizerV1 } from '../../localization/v1/localizer';
import type { SelectorV1 } from '../../selector/v1/selector';
import type { PluginContext } from './plugin-context';

export const pluginKinds = ['localizer', 'generator', 'selector'] as const;
export type PluginKind = (typeof pluginKinds)[number];

/** Specification versions of the plugin protocol this core understands. */
export const supportedSpecificationVersions = ['v1'] as const;
export type SpecificationVersion = (typeof supportedSpecificationVersions)[number];

export interface PluginInstanceByKind {
  localizer: LocalizerV1;
  generator: PatchGeneratorV1;
  selector: SelectorV1;
}

export const PluginMetaSchema = z.object({
  /** The package name, as in package.json. */
  name: z.string().min(1),
  /** The package version, as in package.json. */
  version: z.string().min(1),
});
export type PluginMeta = z.output<typeof PluginMetaSchema>;

export interface PluginDefinition<K extends PluginKind = PluginKind, S extends z.ZodType = z.ZodType> {
  readonly meta: PluginMeta;
  readonly kind: K;
  readonly specificationVersion: SpecificationVersion;
  /** One line for `codemonkeys plugins`. */
  readonly description?: string;
  readonly optionsSchema: S;
  create(options: z.output<S>, context: PluginContext): PluginInstanceByKind[K] | Promise<PluginInstanceByKind[K]>;
}

const pluginMarker = Symbol.for('codemonkeys.plugin');

/**
 * Declares a plugin; a plugin package's default export. `meta` must equal its package.json's name and
 * version so that runs record exactly what ran.
 */
export function definePlugin<K extends PluginKind, S extends z.ZodType>(definition: PluginDefinition<K, S>): PluginDefinition<K, S> {
  const plugin = { ...definition, [pluginMarker]: true };
  assertPluginDefinition(plugin, definition.meta?.name ?? '(unnamed plugin)');
  return plugin;
}

/** True when `value` looks like a plugin definition (made by any copy of core). */
export function isPluginDefinition(value: unknown): value is PluginDefinition {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[pluginMarker] === true;
}

/** Throws InvalidPluginError / UnsupportedSpecificationVersionError when `value` is not a usable plugin definition. */
export function assertPluginDefinition(value: unknown, pluginName: string, expectedKind?: PluginKind): asserts value is PluginDefinition {
  if (typeof value !== 'object' || value === null) throw new InvalidPluginError({ pluginName, reason: 'its default export is not an object made by definePlugin()' });
  const candidate = value as Partial<PluginDefinition>;
  const meta = PluginMetaSchema.safeParse(candidate.meta);
  if (!meta.success) throw new InvalidPluginError({ pluginName, reason: 'meta must be { name, version } as in its package.json' });
  if (!pluginKinds.includes(candidate.kind as PluginKind)) {
    throw new InvalidPluginError({ pluginName, reason: `kind must be one of ${pluginKinds.join(', ')}, got ${JSON.stringify(candidate.kind)}` });
  }
  if (expectedKind && candidate.kind !== expectedKind) {
    throw new InvalidPluginError({ pluginName, reason: `it is a ${candidate.kind}, but a ${expectedKind} was asked for` });
  }
  if (!supportedSpecificationVersions.includes(candidate.specificationVersion as SpecificationVersion)) {
    throw new UnsupportedSpecificationVersionError({
      subject: `Plugin "${pluginName}"`,
      specificationVersion: candidate.specificationVersion,
      supported: supportedSpecificationVersions,
    });
  }
  if (!candidate.optionsSchema || typeof (candidate.optionsSchema as z.ZodType).safeParse !== 'function') {
    throw new InvalidPluginError({ pluginName, reason: 'optionsSchema must be a zod schema' });
  }
  if (typeof candidate.create !== 'function') throw new InvalidPluginError({ pluginName, reason: 'create(options, context) is missing' });
}

/** Validates the options against the plugin's schema (InvalidPluginOptionsError lists the zod issues). */
export function parsePluginOptions<S extends z.ZodType>(plugin: PluginDefinition<PluginKind, S>, options: unknown): z.output<S> {
  const result = plugin.optionsSchema.safeParse(options ?? {});
  if (!result.success) throw new InvalidPluginOptionsError({ pluginName: plugin.meta.name, error: result.error });
  return result.data as z.output<S>;
}

/** Validates options, creates the plugin and checks the instance it returns. */
export async function instantiatePlugin<K extends PluginKind>(
  plugin: PluginDefinition<K>,
  options: unknown,
  context: PluginContext,
): Promise<PluginInstanceByKind[K]> {
  const parsed = parsePluginOptions(plugin, options);
  const instance = await plugin.create(parsed, context);
  if (typeof instance !== 'object' || instance === null || typeof (instance as { run?: unknown }).run !== 'function') {
    throw new InvalidPluginError({ pluginName: plugin.meta.name, reason: 'create() must return an object with a run() method' });
  }
  if (!supportedSpecificationVersions.includes(instance.specificationVersion as SpecificationVersion)) {
    throw new UnsupportedSpecificationVersionError({
      subject: `The ${plugin.kind} created by "${plugin.meta.name}"`,
      specificationVersion: instance.specificationVersion,
      supported: supportedSpecificationVersions,
    });
  }
  return instance;
}
