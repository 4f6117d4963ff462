import { createHash } from 'node:crypto';
import { SandboxError, type SandboxImageDefinition, type SandboxImages } from '@codemonkeys/protocol';
import { environmentImageKey, sweBenchImageName, type DebianEnvironmentSpec, type DebianSuite, type EnvironmentSpec } from '../environment/environment-spec';
import { EnvironmentImageError } from './evaluation-errors';

/** The offline debootstrap base image of a Debian release (built by `scripts/build-base-image.sh SUITE`). */
export const baseImageName = (suite: DebianSuite): string => `codemonkeys/base:${suite}`;

/** Labels on every environment image, for bookkeeping and targeted cleanup. */
export const environmentImageLabels = {
  /** The `environmentImageKey` of the spec the image was built from. */
  environment: 'codemonkeys.environment',
  suite: 'codemonkeys.environment.suite',
} as const;

export interface EnvironmentImageOptions {
  /** Build FROM this image instead of `codemonkeys/base:<suite>` (the tag then says so). */
  baseImage?: string;
  /** Extra labels. */
  labels?: Record<string, string>;
  /** Time limit of the build (default 30 minutes). */
  timeoutMs?: number;
  onLog?: (line: string) => void;
}

/** `codemonkeys/env:<environmentImageKey>`: specs that need the same packages share one image. */
export function environmentImageTag(spec: DebianEnvironmentSpec, options: Pick<EnvironmentImageOptions, 'baseImage'> = {}): string {
  const key = environmentImageKey(spec);
  if (options.baseImage === undefined || options.baseImage === baseImageName(spec.debianSuite)) return `codemonkeys/env:${key}`;
  return `codemonkeys/env:${key}-${createHash('sha256').update(options.baseImage).digest('hex').slice(0, 8)}`;
}

/**
 * The image definition of a Debian spec: FROM the offline base of its release, its Debian packages
 * (without recommends, so that the image holds what the spec names and no more), then its image
 * commands. The repository is not in the image: it is streamed into /testbed per instance.
 */
export function environmentImageDefinition(spec: DebianEnvironmentSpec, options: EnvironmentImageOptions = {}): SandboxImageDefinition {
  const base = options.baseImage ?? baseImageName(spec.debianSuite);
  const packages = [...new Set(spec.debianPackages)].sort();
  const dockerfile = [
    `# codemonkeys environment ${environmentImageKey(spec)} (built from an environment spec of @codemonkeys/swebench)`,
    `FROM ${base}`,
    'ENV DEBIAN_FRONTEND=noninteractive',
    `RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends ${packages.join(' ')} && rm -rf /var/lib/apt/lists/*`,
    ...spec.imageCommands.map((command) => `RUN ${command}`),
    'WORKDIR /testbed',
    '',
  ].join('\n');
  return {
    tag: environmentImageTag(spec, options),
    dockerfile,
    labels: { ...options.labels, [environmentImageLabels.environment]: environmentImageKey(spec), [environmentImageLabels.suite]: spec.debianSuite },
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.onLog ? { onLog: options.onLog } : {}),
  };
}

export interface EnsureEnvironmentImageOptions extends EnvironmentImageOptions {
  images: SandboxImages;
  spec: EnvironmentSpec;
  /** Names the official image of a `swebench-image` spec. */
  instanceId: string;
  /**
   * Called when the base image of a Debian release is missing, to build it (the runner runs
   * `scripts/build-base-image.sh SUITE` from a checkout). Without it a missing base is an error that
   * says how to build it.
   */
  buildBaseImage?: (suite: DebianSuite, image: string) => Promise<void>;
}

export interface EnvironmentImage {
  image: string;
  /** This call built or pulled it. */
  built: boolean;
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * The image an instance's sandbox starts from, built (Debian specs) or pulled (official SWE-bench
 * images) when it is not there yet. Fails with EnvironmentImageError saying what to do.
 */
export async function ensureEnvironmentImage(options: EnsureEnvironmentImageOptions): Promise<EnvironmentImage> {
  const { images, spec } = options;
  if (spec.kind === 'swebench-image') {
    const image = sweBenchImageName(spec, options.instanceId);
    if (await images.exists(image)) return { image, built: false };
    try {
      return { image, built: (await images.pull(image)).built };
    } catch (error) {
      throw new EnvironmentImageError({
        image,
        phase: 'pull',
        message:
          `The official SWE-bench image ${image} of ${options.instanceId} is not in the local daemon and could not be pulled (${messageOf(error)}). ` +
          'Official images need a reachable registry (or `docker load` of a saved image); without one, evaluate with the Debian-built specs (kind "debian").',
        cause: error,
      });
    }
  }
  const base = options.baseImage ?? baseImageName(spec.debianSuite);
  if (!(await images.exists(base))) {
    if (options.buildBaseImage && options.baseImage === undefined) {
      try {
        await options.buildBaseImage(spec.debianSuite, base);
      } catch (error) {
        throw new EnvironmentImageError({ image: base, phase: 'base', message: `Building the base image ${base} failed: ${messageOf(error)}`, cause: error });
      }
    }
    if (!(await images.exists(base))) {
      throw new EnvironmentImageError({
        image: base,
        phase: 'base',
        message:
          `The environment of ${spec.repo} (${spec.debianSuite}) builds FROM ${base}, which is not in the local Docker daemon. ` +
          `Build it once with \`scripts/build-base-image.sh ${spec.debianSuite}\` from a codemonkeys checkout (debootstrap of Debian ${spec.debianSuite}, about two minutes).`,
      });
    }
  }
  const definition = environmentImageDefinition(spec, options);
  try {
    const image = await images.ensure(definition);
    return { image: image.tag, built: image.built };
  } catch (error) {
    if (!SandboxError.isInstance(error)) throw error;
    throw new EnvironmentImageError({
      image: definition.tag,
      phase: 'build',
      message:
        `Building the environment image ${definition.tag} for ${spec.repo} failed: ${messageOf(error)}\n` +
        "Check the spec's Debian package names (`apt-cache policy NAME` on the release) and image commands.",
      cause: error,
    });
  }
}
