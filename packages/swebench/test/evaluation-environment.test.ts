import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DatasetError, SandboxError, type Logger } from '@codemonkeys/protocol';
import { describeWhenAvailable } from '@codemonkeys/protocol/testkit';
import { createDockerSandbox, type DockerSandbox } from '@codemonkeys/sandbox-docker';
import { containersOf } from '@codemonkeys/sandbox-docker/testing';
import { evaluatePatch, openEvaluationEnvironment } from '../src/index';
import { createFixtureRepository, fixtureEnvironmentSpec, type FixtureRepository } from '../src/testing/index';
import { dockerAvailability, testLabel } from './support/evaluation-docker';

const docker = await dockerAvailability();
const labels = { [testLabel.key]: testLabel.value };

/** A logger that keeps its warnings (closing failures are reported there). */
const warningsLogger = (): Logger & { warnings: string[] } => {
  const warnings: string[] = [];
  return { warnings, debug() {}, info() {}, error() {}, warn: (message) => void warnings.push(message) };
};

describeWhenAvailable('openEvaluationEnvironment over Docker on the fixture repository', docker, () => {
  let fixture: FixtureRepository;
  let directory: string;
  let specFile: string;

  beforeAll(async () => {
    fixture = await createFixtureRepository({ instances: ['word-count'] });
    directory = await fs.mkdtemp(path.join(os.tmpdir(), 'evaluation-environment-'));
    specFile = path.join(directory, 'specs.json');
    await fs.writeFile(specFile, JSON.stringify([fixtureEnvironmentSpec(fixture.repo)]));
  });

  afterAll(async () => {
    await fixture?.cleanup();
    if (directory) await fs.rm(directory, { recursive: true, force: true });
  });

  it('opens, resolves the gold patch in a sandbox it opened, and closes it, its containers and the repository cache', async () => {
    const instance = fixture.instance('word-count');
    const logger = warningsLogger();
    const notices: string[] = [];
    let opened: DockerSandbox | undefined;
    const environment = await openEvaluationEnvironment({
      instances: [instance],
      sandbox: async () => (opened = await createDockerSandbox({ labels, reapOnStart: false })),
      cacheDirectory: path.join(directory, 'cache'),
      repositorySources: fixture.repositorySources,
      specFile,
      labels,
      logger,
      onNotice: (message) => notices.push(message),
    });
    let closed = false;
    try {
      expect(environment.sandbox).toBe(opened);
      expect(environment.specs.map((spec) => spec.repo)).toEqual([fixture.repo]);
      // The workspace and the instance sandbox come from one repository cache.
      const workspace = await environment.workspaces.workspace(instance.instanceId);
      expect(environment.workspaces.cache).toBe(environment.repositoryCache);
      expect(await workspace.readFile('textkit/words.py')).toContain('def count_words');

      const evaluation = await evaluatePatch({ instance, patch: instance.patch, instanceSandbox: environment.instanceSandboxes.sandboxFor(instance) });
      expect(evaluation.report).toMatchObject({ resolved: true, patch_successfully_applied: true });
      expect(await containersOf(opened!)).toHaveLength(1);
      // The image notice is said at most once per image (none when the image was built by an earlier test).
      expect(notices.length).toBeLessThanOrEqual(1);

      const closing = environment.close();
      expect(environment.close()).toBe(closing);
      await closing;
      closed = true;
      expect(await containersOf(opened!)).toEqual([]);
      await expect(opened!.open({ image: 'any', workdir: '/' })).rejects.toThrow(/closed/);
      await expect(Promise.resolve().then(() => environment.repositoryCache.mirror(fixture.repo))).rejects.toThrow(/repository cache is closed/);
      expect(() => environment.instanceSandboxes.sandboxFor(instance)).toThrow(SandboxError);
      expect(logger.warnings).toEqual([]);
    } finally {
      if (!closed) await environment.close();
    }
  }, 600_000);

  it('leaves a sandbox the caller passed open, and closes its own containers in it', async () => {
    const sandbox = await createDockerSandbox({ labels, reapOnStart: false });
    try {
      const instance = fixture.instance('word-count');
      const environment = await openEvaluationEnvironment({
        instances: [instance],
        sandbox,
        cacheDirectory: path.join(directory, 'cache'),
        repositorySources: fixture.repositorySources,
        specs: [fixtureEnvironmentSpec(fixture.repo)],
        labels,
      });
      const instanceSandbox = environment.instanceSandboxes.sandboxFor(instance);
      const empty = await evaluatePatch({ instance, patch: '', instanceSandbox });
      expect(empty.resolved).toBe(false);
      const { image } = await instanceSandbox.image();
      await environment.close();
      expect(await containersOf(sandbox)).toEqual([]);
      // Still the caller's: it opens sessions after the environment closed.
      const session = await sandbox.open({ image, workdir: '/' });
      expect(await containersOf(sandbox)).toHaveLength(1);
      await session.close();
    } finally {
      await sandbox.close();
      expect(await containersOf(sandbox)).toEqual([]);
    }
  }, 600_000);

  it("throws the sandbox's own error when it cannot open halfway, and fails on a bad spec file before opening anything", async () => {
    const instance = fixture.instance('word-count');
    const cacheDirectory = path.join(directory, 'halfway-cache');
    const logger = warningsLogger();
    // The repository cache and the workspaces are open when the sandbox fails to open (no daemon there).
    const failing = openEvaluationEnvironment({
      instances: [instance],
      sandbox: () => createDockerSandbox({ socketPath: path.join(directory, 'no-docker.sock'), labels }),
      cacheDirectory,
      repositorySources: fixture.repositorySources,
      specFile,
      logger,
    });
    // The sandbox's own error comes through (not one of closing the parts opened before it).
    await expect(failing).rejects.toThrow(SandboxError);
    await expect(failing).rejects.toThrow(/no-docker\.sock/);
    expect(logger.warnings).toEqual([]);

    let factoryCalls = 0;
    const broken = path.join(directory, 'broken-specs.json');
    await fs.writeFile(broken, '[{"repo": ');
    await expect(
      openEvaluationEnvironment({
        instances: [instance],
        sandbox: async () => {
          factoryCalls += 1;
          return createDockerSandbox({ labels, reapOnStart: false });
        },
        cacheDirectory,
        specFile: broken,
      }),
    ).rejects.toThrow(DatasetError);
    expect(factoryCalls).toBe(0);
  }, 120_000);
});
