import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Availability } from '@codemonkeys/core/testkit';
import { createDockerSandbox, type DockerSandbox } from '@codemonkeys/sandbox-docker';
import { baseImageName, createInstanceSandboxProvider, createRepositoryCache, type InstanceSandboxProvider, type RepositoryCache } from '@codemonkeys/swebench';
import { fixtureEnvironmentSpec, type FixtureRepository } from '@codemonkeys/swebench/testing';

/** The label on every container these tests create (besides the sandbox's own owner labels), for targeted cleanup. */
export const testLabel = { key: 'codemonkeys.test', value: 'generator-llm' } as const;

/** Whether the Docker daemon answers and the offline bookworm base image exists (scripts/setup-machine.sh builds it). */
export async function dockerAvailability(): Promise<Availability> {
  let sandbox: DockerSandbox;
  try {
    sandbox = await createDockerSandbox({ reapOnStart: false });
  } catch (error) {
    return { available: false, reason: `no Docker daemon (${(error as Error).message.split('\n')[0]}); run scripts/setup-machine.sh` };
  }
  try {
    if (!(await sandbox.images.exists(baseImageName('bookworm')))) return { available: false, reason: `the image ${baseImageName('bookworm')} is missing; run scripts/build-base-image.sh bookworm` };
    return { available: true };
  } finally {
    await sandbox.close();
  }
}

/** A Docker sandbox, a repository cache and SWE-bench's instance sandbox provider for the fixture instances. */
export interface DockerEvaluation {
  sandbox: DockerSandbox;
  provider: InstanceSandboxProvider;
  cache: RepositoryCache;
  /** Containers of this sandbox still present (by its owner label). */
  containers(): Promise<string[]>;
  close(): Promise<void>;
}

export async function openDockerEvaluation(fixture: FixtureRepository): Promise<DockerEvaluation> {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'generator-llm-cache-'));
  const cache = createRepositoryCache({ directory, repositorySources: fixture.repositorySources });
  const sandbox = await createDockerSandbox({ labels: { [testLabel.key]: testLabel.value } });
  const provider = createInstanceSandboxProvider({ sandbox, repositoryCache: cache, specs: [fixtureEnvironmentSpec(fixture.repo)], labels: { [testLabel.key]: testLabel.value } });
  // The environment image is built once (the instances share it).
  await provider.sandboxFor(fixture.instances[0]!).image();
  const containers = async (): Promise<string[]> =>
    (await sandbox.docker.listContainers({ all: true, filters: { label: [`${sandbox.instanceLabel.key}=${sandbox.instanceLabel.value}`] } })).map((container) => container.Id);
  return {
    sandbox,
    provider,
    cache,
    containers,
    async close() {
      await provider.close();
      await sandbox.close();
      await cache.close();
      await fs.rm(directory, { recursive: true, force: true });
    },
  };
}
