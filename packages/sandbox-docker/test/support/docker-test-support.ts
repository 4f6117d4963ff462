import Dockerode from 'dockerode';
import type { Availability } from '@codemonkeys/core/testkit';
import { expect } from 'vitest';
import { DockerSandbox, createDockerSandbox, type DockerSandboxOptions } from '../../src/index';

/** The offline base image built by scripts/build-base-image.sh: python3, pytest, coverage, git, patch. */
export const baseImage = process.env.CODEMONKEYS_SANDBOX_IMAGE ?? 'codemonkeys/base:bookworm';

/** Whether the daemon answers and has the base image, and what to do when not. */
export async function dockerAvailability(): Promise<Availability> {
  const docker = new Dockerode();
  try {
    await docker.ping();
  } catch (error) {
    return { available: false, reason: `no Docker daemon (${(error as Error).message}); run scripts/setup-machine.sh` };
  }
  try {
    await docker.getImage(baseImage).inspect();
  } catch {
    return { available: false, reason: `the image ${baseImage} is missing; run scripts/build-base-image.sh` };
  }
  return { available: true };
}

/** Ids of the containers (running or not) that carry `sandbox`'s instance label. */
export async function containersOf(sandbox: DockerSandbox): Promise<string[]> {
  const containers = await sandbox.docker.listContainers({ all: true, filters: { label: [`${sandbox.instanceLabel.key}=${sandbox.instanceLabel.value}`] } });
  return containers.map((container) => container.Id);
}

/** A sandbox for a test file; `finish` closes it and asserts that none of its containers is left. */
export async function openTestSandbox(options: DockerSandboxOptions = {}): Promise<{ sandbox: DockerSandbox; finish(): Promise<void> }> {
  const sandbox = await createDockerSandbox({ labels: { 'codemonkeys.test': 'sandbox-docker' }, ...options });
  return {
    sandbox,
    async finish() {
      await sandbox.close();
      expect(await containersOf(sandbox)).toEqual([]);
    },
  };
}
