import { createHash } from 'node:crypto';
import { SandboxError, UnsupportedCapabilityError, type SandboxImage, type SandboxImageDefinition, type SandboxImages } from '@codemonkeys/protocol';
import {
  environmentImageKey,
  sweBenchImageName,
  sweBenchImageReference,
  type DebianEnvironmentSpec,
  type DebianSuite,
  type EnvironmentSpec,
} from '../environment/environment-spec';
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

/**
 * Whether an image is an environment image, which the disk budget may remove: one built from a Debian
 * spec (it carries the `codemonkeys.environment` label) or an official SWE-bench instance image
 * (`…/sweb.eval.<arch>.<id>:<tag>`, from any registry). Base images and every other image are not.
 */
export function isEnvironmentImage(image: { tags: readonly string[]; labels: Readonly<Record<string, string>> }): boolean {
  if (image.labels[environmentImageLabels.environment] !== undefined) return true;
  return image.tags.some((tag) => {
    const slash = tag.lastIndexOf('/');
    const colon = tag.lastIndexOf(':');
    const repository = colon > slash ? tag.slice(0, colon) : tag;
    return /^sweb\.eval\./.test(repository.slice(repository.lastIndexOf('/') + 1));
  });
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
  /**
   * The registry (a mirror) official images are pulled from, e.g. `127.0.0.1:5000`: the image name is
   * put behind it (`127.0.0.1:5000/swebench/sweb.eval.…`). Overrides the spec's `registry`; without
   * either, Docker Hub.
   */
  registry?: string;
  /**
   * After an environment image is built or pulled, environment images (`isEnvironmentImage`: never a
   * base image or any other image) are removed, least recently used first, until they hold at most this
   * many bytes; images a container was made from stay. Needs images that can do it
   * (@codemonkeys/sandbox-docker's `enforceDiskBudget`).
   */
  maxImageDiskBytes?: number;
}

/** What the disk budget needs of the images capability beyond core's SandboxImages (@codemonkeys/sandbox-docker has it). */
interface DiskBudgetImages {
  enforceDiskBudget(options: {
    maxBytes: number;
    select: (image: { id: string; tags: readonly string[]; labels: Readonly<Record<string, string>> }) => boolean;
    keep?: readonly string[];
    onLog?: (line: string) => void;
  }): Promise<unknown>;
}

/** Core's pull takes a reference; @codemonkeys/sandbox-docker's also reports progress (others ignore the second argument). */
type PullWithProgress = (reference: string, options?: { onLog?: (line: string) => void }) => Promise<SandboxImage>;

function diskBudgetImages(images: SandboxImages, maxBytes: number): DiskBudgetImages {
  if (!Number.isInteger(maxBytes) || maxBytes <= 0) throw new SandboxError(`maxImageDiskBytes must be a positive whole number of bytes (got ${maxBytes}).`);
  if (typeof (images as Partial<DiskBudgetImages>).enforceDiskBudget !== 'function') {
    throw new UnsupportedCapabilityError({
      capability: 'image disk budget (maxImageDiskBytes)',
      provider: "This sandbox's images",
      hint: 'Use @codemonkeys/sandbox-docker, or leave maxImageDiskBytes unset and prune images yourself.',
    });
  }
  return images as unknown as DiskBudgetImages;
}

/** Keeps environment images within the budget; a failure to prune is reported, never the evaluation's failure. */
async function keepWithinBudget(budget: DiskBudgetImages, maxBytes: number, keep: readonly string[], onLog?: (line: string) => void): Promise<void> {
  try {
    await budget.enforceDiskBudget({ maxBytes, select: isEnvironmentImage, keep, ...(onLog ? { onLog } : {}) });
  } catch (error) {
    onLog?.(`image disk budget not enforced: ${error instanceof Error ? error.message : String(error)}`);
  }
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
  const budget = options.maxImageDiskBytes === undefined ? undefined : diskBudgetImages(images, options.maxImageDiskBytes);
  if (spec.kind === 'swebench-image') {
    const name = sweBenchImageName(spec, options.instanceId);
    const reference = sweBenchImageReference(spec, options.instanceId, options.registry);
    // A copy under the harness's own name (`docker load`, an earlier pull from Docker Hub) serves as well.
    for (const candidate of new Set([name, reference])) if (await images.exists(candidate)) return { image: candidate, built: false };
    let pulled: SandboxImage;
    try {
      pulled = await (images.pull as PullWithProgress).call(images, reference, options.onLog ? { onLog: options.onLog } : {});
    } catch (error) {
      // @codemonkeys/sandbox-docker's ImagePullError says which registry answered and whether the image is missing there.
      const { kind, registry: pulledFrom } = (typeof error === 'object' && error !== null ? error : {}) as { kind?: unknown; registry?: unknown };
      const notFound = kind === 'not-found';
      const registry = typeof pulledFrom === 'string' ? pulledFrom : (options.registry ?? spec.registry ?? 'its registry');
      throw new EnvironmentImageError({
        image: reference,
        phase: 'pull',
        message: notFound
          ? `The official SWE-bench image of ${options.instanceId} is missing: ${messageOf(error)} ` +
            `A mirror must hold it under the harness's name (${name}); check the instance id, the spec's imageTemplate and the registry option.`
          : `The official SWE-bench image ${reference} of ${options.instanceId} is not in the local daemon and could not be pulled from ${registry} (${messageOf(error)}). ` +
            'Official images need a reachable registry (or `docker load` of a saved image); without one, evaluate with the Debian-built specs (kind "debian").',
        cause: error,
      });
    }
    if (budget && pulled.built) await keepWithinBudget(budget, options.maxImageDiskBytes!, [reference, name], options.onLog);
    return { image: reference, built: pulled.built };
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
  let image: SandboxImage;
  try {
    image = await images.ensure(definition);
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
  if (budget && image.built) await keepWithinBudget(budget, options.maxImageDiskBytes!, [image.tag, base], options.onLog);
  return { image: image.tag, built: image.built };
}
