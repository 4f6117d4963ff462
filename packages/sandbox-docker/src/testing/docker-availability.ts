import type { Availability } from '@codemonkeys/protocol/testkit';
import { createDockerSandbox } from '../docker-sandbox';

export interface DockerAvailabilityOptions {
  /** The image the tests need (default the offline base `codemonkeys/base:bookworm`). */
  image?: string;
  /** The daemon's socket (default `DOCKER_HOST`, else /var/run/docker.sock). */
  socketPath?: string;
}

const baseImagePattern = /^codemonkeys\/base:([a-z]+)$/;

/**
 * Whether Docker tests can run here: the daemon answers and the image exists; otherwise the reason and
 * the command that fixes it. Pass it to core's `describeWhenAvailable` (skipped locally, a failure with
 * `CI=true`).
 */
export async function dockerAvailability(options: DockerAvailabilityOptions = {}): Promise<Availability> {
  const image = options.image ?? 'codemonkeys/base:bookworm';
  let sandbox;
  try {
    sandbox = await createDockerSandbox({ reapOnStart: false, ...(options.socketPath ? { socketPath: options.socketPath } : {}) });
  } catch (error) {
    return { available: false, reason: `no Docker daemon (${(error as Error).message.split('\n')[0]}); run scripts/setup-machine.sh` };
  }
  try {
    if (await sandbox.images.exists(image)) return { available: true };
    const suite = baseImagePattern.exec(image)?.[1];
    return { available: false, reason: `the image ${image} is missing; ${suite ? `run scripts/build-base-image.sh ${suite}` : 'build it first'}` };
  } finally {
    await sandbox.close();
  }
}
