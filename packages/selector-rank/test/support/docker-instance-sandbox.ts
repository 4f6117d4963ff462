import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInstanceSandboxPool, type Instance, type InstanceSandboxPool } from '@codemonkeys/core';
import type { Availability } from '@codemonkeys/core/testkit';
import { createDockerSandbox, type DockerSandbox } from '@codemonkeys/sandbox-docker';
import { createRepositoryCache, type RepositoryCache } from '@codemonkeys/swebench';

/** Every container of these tests carries this label besides the sandbox's own (targeted cleanup). */
export const testLabel = { key: 'codemonkeys.test', value: 'selector-tests' } as const;
/** The offline Debian base (python3, pytest, git, patch) that scripts/setup-machine.sh builds. */
export const baseImage = 'codemonkeys/base:bookworm';

export async function dockerAvailability(): Promise<Availability> {
  let sandbox: DockerSandbox;
  try {
    sandbox = await createDockerSandbox({ reapOnStart: false });
  } catch (error) {
    return { available: false, reason: `no Docker daemon (${(error as Error).message.split('\n')[0]}); run scripts/setup-machine.sh` };
  }
  try {
    if (!(await sandbox.images.exists(baseImage))) return { available: false, reason: `the image ${baseImage} is missing; run scripts/build-base-image.sh bookworm` };
    return { available: true };
  } finally {
    await sandbox.close();
  }
}

export interface DockerInstanceSandboxes {
  sandbox: DockerSandbox;
  /** The instance's sandbox: the fixture repository at the base commit in /testbed, one reused container. */
  poolFor(instance: Instance): InstanceSandboxPool;
  /** Ids of containers of this sandbox still present. */
  containers(): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * Instance sandboxes as the runner gives them to plugins: core's pool over the Docker sandbox (no
 * network, limits), prepared with `git archive` of the base commit. Nothing of the gold data goes in.
 */
export async function openDockerInstanceSandboxes(repositorySources: Record<string, string>): Promise<DockerInstanceSandboxes> {
  const sandbox = await createDockerSandbox({ labels: { [testLabel.key]: testLabel.value } });
  const cacheDirectory = await fs.mkdtemp(path.join(os.tmpdir(), 'selector-cache-'));
  const cache: RepositoryCache = createRepositoryCache({ directory: cacheDirectory, repositorySources });
  const pools = new Map<string, InstanceSandboxPool>();
  return {
    sandbox,
    poolFor(instance) {
      let pool = pools.get(instance.instanceId);
      if (!pool) {
        pool = createInstanceSandboxPool({
          instanceId: instance.instanceId,
          sandbox,
          spec: { image: baseImage, workdir: '/testbed', limits: { memoryBytes: 1024 ** 3, cpus: 1, pids: 256 }, labels: { [testLabel.key]: testLabel.value } },
          prepare: (session) => session.putArchive(cache.archive(instance.repo, instance.baseCommit), session.workdir),
        });
        pools.set(instance.instanceId, pool);
      }
      return pool;
    },
    async containers() {
      return (await sandbox.docker.listContainers({ all: true, filters: { label: [`${sandbox.instanceLabel.key}=${sandbox.instanceLabel.value}`] } })).map((container) => container.Id);
    },
    async close() {
      await Promise.all([...pools.values()].map((pool) => pool.close()));
      await sandbox.close();
      await cache.close();
      await fs.rm(cacheDirectory, { recursive: true, force: true });
    },
  };
}
