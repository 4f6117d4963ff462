import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Availability } from '@codemonkeys/core/testkit';
import { createDockerSandbox, type DockerSandbox } from '@codemonkeys/sandbox-docker';
import { expect } from 'vitest';
import { baseImageName, type DebianSuite } from '../../src/index';

/** The label every container and image of the evaluation tests carries, besides the sandbox's own. */
export const testLabel = { key: 'codemonkeys.test', value: 'swebench-evaluation' } as const;

const buildScript = fileURLToPath(new URL('../../../../scripts/build-base-image.sh', import.meta.url));

/** Whether the Docker daemon answers (and the bookworm base exists, which setup-machine.sh builds). */
export async function dockerAvailability(): Promise<Availability> {
  let sandbox: DockerSandbox;
  try {
    sandbox = await createDockerSandbox({ reapOnStart: false });
  } catch (error) {
    return { available: false, reason: `no Docker daemon (${(error as Error).message.split('\n')[0]}); run scripts/setup-machine.sh` };
  }
  try {
    if (!(await sandbox.images.exists(baseImageName('bookworm')))) {
      return { available: false, reason: `the image ${baseImageName('bookworm')} is missing; run scripts/build-base-image.sh` };
    }
    return { available: true };
  } finally {
    await sandbox.close();
  }
}

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
  const containers = async (): Promise<string[]> =>
    (await sandbox.docker.listContainers({ all: true, filters: { label: [`${sandbox.instanceLabel.key}=${sandbox.instanceLabel.value}`] } })).map((container) => container.Id);
  return {
    sandbox,
    containers,
    async finish() {
      await sandbox.close();
      expect(await containers()).toEqual([]);
    },
  };
}
