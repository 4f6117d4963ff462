import { UnsupportedCapabilityError } from '../../errors/capability-errors';
import type { Sandbox, SandboxFile } from './sandbox';

/**
 * What an image is built from: a Dockerfile and its build context. Whoever builds it hashes the whole
 * definition, so a changed Dockerfile or file means a rebuild while an unchanged one is reused.
 */
export interface SandboxImageDefinition {
  /** Name:tag of the image, e.g. `codemonkeys/env:bookworm-0123456789ab`. */
  tag: string;
  /** Dockerfile text. */
  dockerfile: string;
  /** Files of the build context (paths relative to the context root). */
  files?: readonly SandboxFile[];
  buildArgs?: Record<string, string>;
  /** Labels of the image, for bookkeeping and targeted cleanup; the implementation adds its own. */
  labels?: Record<string, string>;
  /** Stop the build after this long. */
  timeoutMs?: number;
  /** Each line of build output, as it comes. */
  onLog?: (line: string) => void;
}

export interface SandboxImage {
  tag: string;
  id: string;
  /** True when this call built (or pulled) the image; false when it existed already. */
  built: boolean;
}

/**
 * Optional capability of a Sandbox (`sandbox.images`): images built from a definition, or pulled from
 * a registry where one is reachable. A sandbox without it runs only images that already exist.
 */
export interface SandboxImages {
  /** The image of `definition`, built unless an image with that tag and the same definition exists. */
  ensure(definition: SandboxImageDefinition): Promise<SandboxImage>;
  /** Pulls an image from a registry; fails with a SandboxError saying so when none can be reached. */
  pull(reference: string): Promise<SandboxImage>;
  exists(reference: string): Promise<boolean>;
}

/** The image capability of a sandbox, or an UnsupportedCapabilityError that says what to use instead. */
export function sandboxImagesOf(sandbox: Sandbox): SandboxImages {
  if (!sandbox.images) {
    throw new UnsupportedCapabilityError({
      capability: 'images',
      provider: `The ${sandbox.name} sandbox`,
      hint: 'Build the image outside codemonkeys and refer to it by name, or use a sandbox that builds images (@codemonkeys/sandbox-docker).',
    });
  }
  return sandbox.images;
}
