import type { Availability } from '@codemonkeys/protocol/testkit';
import { expect } from 'vitest';
import { createDockerSandbox, type DockerSandbox, type DockerSandboxOptions } from '../../src/index';
import { containersOf, dockerAvailability as availability } from '../../src/testing/index';

export { containersOf };

/** The offline base image built by scripts/build-base-image.sh: python3, pytest, coverage, git, patch. */
export const baseImage = process.env.CODEMONKEYS_SANDBOX_IMAGE ?? 'codemonkeys/base:bookworm';

/** Whether the daemon answers and has the base image, and what to do when not. */
export const dockerAvailability = (): Promise<Availability> => availability({ image: baseImage });

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
