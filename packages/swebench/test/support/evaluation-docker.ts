import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Availability } from '@codemonkeys/protocol/testkit';
import { createDockerSandbox, type DockerSandbox } from '@codemonkeys/sandbox-docker';
import { containersOf, dockerAvailability as availability } from '@codemonkeys/sandbox-docker/testing';
import { expect } from 'vitest';
import { baseImageName, type DebianSuite } from '../../src/index';

/** The label every container and image of the evaluation tests carries, besides the sandbox's own. */
export const testLabel = { key: 'codemonkeys.test', value: 'swebench-evaluation' } as const;

const buildScript = fileURLToPath(new URL('../../../../scripts/build-base-image.sh', import.meta.url));

/** Whether the Docker daemon answers and the bookworm base exists (setup-machine.sh builds it). */
export const dockerAvailability = (): Promise<Availability> => availability({ image: baseImageName('bookworm') });

/**
 * Builds the offline base image of a Debian release when it is missing, with the project's script
 * (debootstrap, about two minutes): the bullseye base is built only by the tests that need it.
 */
export async function ensureBaseImage(suite: DebianSuite): Promise<void> {
  if (!fs.existsSync(buildScript)) throw new Error(`${buildScript} is missing: the evaluation tests run from a codemonkeys checkout.`);
  await new Promise<void>((resolve, reject) => {
    const child = spawn('bash', [buildScript, suite], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`scripts/build-base-image.sh ${suite} failed (exit ${code}):\n${output}`))));
  });
}

/** A Docker sandbox for one test file; `finish` closes it and asserts no container of it is left (by label). */
export async function openEvaluationSandbox(): Promise<{ sandbox: DockerSandbox; containers(): Promise<string[]>; finish(): Promise<void> }> {
  const sandbox = await createDockerSandbox({ labels: { [testLabel.key]: testLabel.value } });
  const containers = (): Promise<string[]> => containersOf(sandbox);
  return {
    sandbox,
    containers,
    async finish() {
      await sandbox.close();
      expect(await containers()).toEqual([]);
    },
  };
}
