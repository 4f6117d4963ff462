import { z } from 'zod';
import { InvalidPluginError, InvalidPluginOptionsError, UnsupportedSpecificationVersionError } from '../errors/plugin-errors';
import type { PatchGeneratorV1 } from '../generator/v1/patch-generator';
import type { PatchGeneratorV1_1 } from '../generator/v1_1/patch-generator';
import type { LocalizerV1 } from '../localization/v1/localizer';
import type { LocalizerV1_1 } from '../localization/v1_1/localizer';
import type { SelectorV1 } from '../selector/v1/selector';
import type { SelectorV1_1 } from '../selector/v1_1/selector';
import type { PluginDemo } from '../demo/v1_1/demo-answers';
import type { PluginContext } from './v1/plugin-context';
import type { PluginContextV1_1 } from './v1_1/plugin-context';

export const pluginKinds = ['localizer', 'generator', 'selector'] as const;
export type PluginKind = (typeof pluginKinds)[number];

/** Specification versions of the plugin protocol this package understands, oldest first. */
export const supportedSpecificationVersions = ['v1', 'v1.1'] as const;
export type SpecificationVersion = (typeof supportedSpecificationVersions)[number];

export interface PluginInstanceByKindV1 {
  localizer: LocalizerV1;
  generator: PatchGeneratorV1;
  selector: SelectorV1;
}

export interface PluginInstanceByKindV1_1 {
  localizer: LocalizerV1_1;
  generator: PatchGeneratorV1_1;
  selector: SelectorV1_1;
}

/** @deprecated The v1 instances; use PluginInstanceByKindV1_1 (or PluginInstanceByKindV1 by name). */
export type PluginInstanceByKind = PluginInstanceByKindV1;

export const PluginMetaSchema = z.object({
  /** The package name, as in package.json. */
  name: z.string().min(1),
  /** The package version, as in package.json. */
  version: z.string().min(1),
});
export type PluginMeta = z.output<typeof PluginMetaSchema>;

interface PluginDefinitionBase<K extends PluginKind, S extends z.ZodType> {
  readonly meta: PluginMeta;
  readonly kind: K;
  /** One line for `codemonkeys plugins`. */
  readonly description?: string;
  readonly optionsSchema: S;
  /** Scripted answers to this plugin's prompts for `codemonkeys demo` (see PluginDemo). */
  readonly demo?: PluginDemo;
}

/** A plugin of protocol v1 (context with a storage handle; generator returns [patches, messages]; selector a bare patch). */
export interface PluginDefinitionV1<K extends PluginKind = PluginKind, S extends z.ZodType = z.ZodType> extends PluginDefinitionBase<K, S> {
  readonly specificationVersion: 'v1';
  create(options: z.output<S>, context: PluginContext): PluginInstanceByKindV1[K] | Promise<PluginInstanceByKindV1[K]>;
}

/** A plugin of protocol v1.1 (a context of capabilities; candidates with their messages; selections with index and reason). */
export interface PluginDefinitionV1_1<K extends PluginKind = PluginKind, S extends z.ZodType = z.ZodType> extends PluginDefinitionBase<K, S> {
  readonly specificationVersion: 'v1.1';
  create(options: z.output<S>, context: PluginContextV1_1): PluginInstanceByKindV1_1[K] | Promise<PluginInstanceByKindV1_1[K]>;
}

export type PluginDefinition<K extends PluginKind = PluginKind, S extends z.ZodType = z.ZodType> = PluginDefinitionV1<K, S> | PluginDefinitionV1_1<K, S>;

const pluginMarker = Symbol.for('codemonkeys.plugin');

/**
 * Declares a plugin; a plugin package's default export. `meta` must equal its package.json's name and
 * version so that runs record exactly what ran.
 */
export function definePlugin<K extends PluginKind, S extends z.ZodType>(definition: PluginDefinitionV1_1<K, S>): PluginDefinitionV1_1<K, S>;
export function definePlugin<K extends PluginKind, S extends z.ZodType>(definition: PluginDefinitionV1<K, S>): PluginDefinitionV1<K, S>;
export function definePlugin<K extends PluginKind, S extends z.ZodType>(definition: PluginDefinition<K, S>): PluginDefinition<K, S> {
  const plugin = { ...definition, [pluginMarker]: true };
  assertPluginDefinition(plugin, definition.meta?.name ?? '(unnamed plugin)');
  return plugin;
}

/** True when `value` looks like a plugin definition (made by any copy of protocol or core). */
export function isPluginDefinition(value: unknown): value is PluginDefinition {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[pluginMarker] === true;
}

/** Throws UnsupportedSpecificationVersionError, built from the supported list, unless `version` is one of them. */
export function assertSupportedVersion<V extends string>(subject: string, version: unknown, supported: readonly V[]): asserts version is V {
  if (!supported.includes(version as V)) throw new UnsupportedSpecificationVersionError({ subject, specificationVersion: version, supported });
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
  assertSupportedVersion(`Plugin "${pluginName}"`, candidate.specificationVersion, supportedSpecificationVersions);
  if (!candidate.optionsSchema || typeof (candidate.optionsSchema as z.ZodType).safeParse !== 'function') {
    throw new InvalidPluginError({ pluginName, reason: 'optionsSchema must be a zod schema' });
  }
  if (typeof candidate.create !== 'function') throw new InvalidPluginError({ pluginName, reason: 'create(options, context) is missing' });
}

/** Validates the options against the plugin's schema (InvalidPluginOptionsError lists the zod issues). */
export function parsePluginOptions<S extends z.ZodType>(plugin: PluginDefinitionBase<PluginKind, S>, options: unknown): z.output<S> {
  const result = plugin.optionsSchema.safeParse(options ?? {});
  if (!result.success) throw new InvalidPluginOptionsError({ pluginName: plugin.meta.name, error: result.error });
  return result.data as z.output<S>;
}

/** Checks that what create() returned is an instance of the definition's protocol version. */
export function assertPluginInstance(plugin: PluginDefinition, instance: unknown): void {
  if (typeof instance !== 'object' || instance === null || typeof (instance as { run?: unknown }).run !== 'function') {
    throw new InvalidPluginError({ pluginName: plugin.meta.name, reason: 'create() must return an object with a run() method' });
  }
  const version = (instance as { specificationVersion?: unknown }).specificationVersion;
  assertSupportedVersion(`The ${plugin.kind} created by "${plugin.meta.name}"`, version, supportedSpecificationVersions);
  if (version !== plugin.specificationVersion) {
    throw new InvalidPluginError({
      pluginName: plugin.meta.name,
      reason: `its definition declares specificationVersion "${plugin.specificationVersion}" but create() returned a ${plugin.kind} of "${String(version)}"`,
    });
  }
}
