import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Instance, Sandbox, SandboxLimits } from '@codemonkeys/protocol';
import { createInstanceSandboxProvider, type EnvironmentInstanceSandbox, type InstanceSandboxProvider } from '../evaluation/instance-sandbox-provider';
import { createRepositoryCache, type RepositoryCache } from '../repository/repository-cache';
import type { FixtureRepository } from './create-fixture-repository';
import { fixtureEnvironmentSpec } from './fixture-environment-spec';

export interface FixtureSandboxesOptions {
  /** A sandbox with the images capability (e.g. `createDockerSandbox()` of @codemonkeys/sandbox-docker). */
  sandbox: Sandbox;
  fixture: FixtureRepository;
  /** Extra labels on every container (a test's label, for targeted cleanup). */
  labels?: Record<string, string>;
  limits?: Partial<SandboxLimits>;
}

export interface FixtureSandboxes {
  provider: InstanceSandboxProvider;
  repositoryCache: RepositoryCache;
  /** The instance's sandbox as the runner gives it to plugins (`context.sandbox(id)`): the repository at the base commit in /testbed, one reused container. */
  sandboxFor(instance: Instance): EnvironmentInstanceSandbox;
  /** Closes the instance sandboxes (their containers), the repository cache and its folder; not `sandbox`. */
  close(): Promise<void>;
}

/**
 * Instance sandboxes of the fixture instances, as plugins get them in a run: `createInstanceSandboxProvider`
 * over `sandbox` with the fixture's environment spec and a repository cache in a temporary folder. The
 * environment image is built (or found) once, before this returns. Nothing of the gold data goes in.
 */
export async function openFixtureSandboxes(options: FixtureSandboxesOptions): Promise<FixtureSandboxes> {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'codemonkeys-fixture-cache-'));
  const repositoryCache = createRepositoryCache({ directory, repositorySources: options.fixture.repositorySources });
  const provider = createInstanceSandboxProvider({
    sandbox: options.sandbox,
    repositoryCache,
    specs: [fixtureEnvironmentSpec(options.fixture.repo)],
    ...(options.labels ? { labels: options.labels } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
  });
  const close = async (): Promise<void> => {
    await provider.close();
    await repositoryCache.close();
    await fs.rm(directory, { recursive: true, force: true });
  };
  try {
    // Every fixture instance shares one environment image: build it now, not inside the first test.
    await provider.sandboxFor(options.fixture.instances[0]!).image();
  } catch (error) {
    await close();
    throw error;
  }
  return { provider, repositoryCache, sandboxFor: (instance) => provider.sandboxFor(instance), close };
}
