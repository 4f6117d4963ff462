import type { z } from 'zod';
import { CodemonkeysError } from './codemonkeys-error';
import { formatZodError } from '../schema/format-zod-error';

/** A plugin name could not be resolved to an installed package or path. */
export class NoSuchPluginError extends CodemonkeysError {
  static override readonly errorName: string = 'NoSuchPluginError';
  readonly pluginName: string;
  readonly available: readonly string[];

  constructor(options: { pluginName: string; available: readonly string[]; kind?: string; cause?: unknown }) {
    const list = options.available.length > 0 ? options.available.map((name) => `  - ${name}`).join('\n') : '  (none)';
    super(
      `No ${options.kind ?? 'plugin'} named "${options.pluginName}" could be loaded.\n` +
        `Installed plugins:\n${list}\n` +
        `Install it (npm install <package>) or name one of the above, a full package name, or a local path.`,
      { cause: options.cause },
    );
    this.pluginName = options.pluginName;
    this.available = options.available;
  }
}

/** A module was found but does not export a valid plugin definition, or of the wrong kind. */
export class InvalidPluginError extends CodemonkeysError {
  static override readonly errorName: string = 'InvalidPluginError';
  readonly pluginName: string;

  constructor(options: { pluginName: string; reason: string; cause?: unknown }) {
    super(`Plugin "${options.pluginName}" is not a valid codemonkeys plugin: ${options.reason}`, { cause: options.cause });
    this.pluginName = options.pluginName;
  }
}

/** Options given to a plugin do not satisfy its options schema. */
export class InvalidPluginOptionsError extends CodemonkeysError {
  static override readonly errorName: string = 'InvalidPluginOptionsError';
  readonly pluginName: string;
  readonly issues: readonly z.core.$ZodIssue[];

  constructor(options: { pluginName: string; error: z.ZodError }) {
    super(`Invalid options for plugin "${options.pluginName}":\n${formatZodError(options.error)}\n` + `See the plugin's README for its options and their defaults.`);
    this.pluginName = options.pluginName;
    this.issues = options.error.issues;
  }
}

/** A plugin or protocol object speaks a specification version this host does not support. */
export class UnsupportedSpecificationVersionError extends CodemonkeysError {
  static override readonly errorName: string = 'UnsupportedSpecificationVersionError';
  readonly specificationVersion: unknown;
  readonly supported: readonly string[];

  constructor(options: { subject: string; specificationVersion: unknown; supported: readonly string[] }) {
    super(
      `${options.subject} implements specification version ${JSON.stringify(options.specificationVersion)}, ` +
        `but this host supports ${options.supported.map((version) => `"${version}"`).join(', ')}. ` +
        `Upgrade the runner (it brings @codemonkeys/protocol), or install a release of the plugin built for a supported version.`,
    );
    this.specificationVersion = options.specificationVersion;
    this.supported = options.supported;
  }
}
