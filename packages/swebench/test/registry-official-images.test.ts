import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { UnsupportedCapabilityError } from '@codemonkeys/protocol';
import { describeWhenAvailable, type Availability } from '@codemonkeys/protocol/testkit';
import type { DockerSandbox } from '@codemonkeys/sandbox-docker';
import { localRegistryAvailability, pushImage, startLocalRegistry, startRateLimitingProxy, type LocalRegistry } from '@codemonkeys/sandbox-docker/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  baseImageName,
  createInstanceSandboxProvider,
  createRepositoryCache,
  EnvironmentImageError,
  ensureEnvironmentImage,
  environmentImageLabels,
  evaluatePatch,
  isEnvironmentImage,
  SweBenchImageSpecSchema,
  sweBenchImageName,
  sweBenchImageReference,
  type RepositoryCache,
  type SweBenchImageSpec,
} from '../src/index';
import { createFixtureRepository, fixtureEnvironmentSpec, type FixtureRepository } from '../src/testing/index';
import { dockerAvailability, openEvaluationSandbox, testLabel } from './support/evaluation-docker';

/** The official-image spec of the fixture repository: the harness's image name and conda activation, as for a real repository. */
function officialFixtureSpec(repo: string): SweBenchImageSpec {
  const debian = fixtureEnvironmentSpec(repo);
  return SweBenchImageSpecSchema.parse({
    kind: 'swebench-image',
    repo,
    versions: ['*'],
    // Fails unless the spec's shell prefix (`source /opt/miniconda3/bin/activate && conda activate testbed`) ran first.
    testCommand: `test "$CONDA_DEFAULT_ENV" = testbed && ${debian.testCommand}`,
    logParser: debian.logParser,
    testTimeoutSeconds: debian.testTimeoutSeconds,
    validation: { status: 'measured', detail: 'The fixture repository in an image built like an official one (tests of @codemonkeys/swebench).' },
  });
}

describe('official image names', () => {
  const spec = officialFixtureSpec('django/django');

  it('are the harness layout, behind the registry (the option, else the spec) when there is one', () => {
    expect(sweBenchImageName(spec, 'django__django-11099')).toBe('swebench/sweb.eval.x86_64.django_1776_django-11099:latest');
    expect(sweBenchImageReference(spec, 'django__django-11099')).toBe('swebench/sweb.eval.x86_64.django_1776_django-11099:latest');
    expect(sweBenchImageReference(spec, 'django__django-11099', '127.0.0.1:5000')).toBe('127.0.0.1:5000/swebench/sweb.eval.x86_64.django_1776_django-11099:latest');
    const mirrored = SweBenchImageSpecSchema.parse({ ...spec, registry: 'mirror.example.com/hub/' });
    expect(sweBenchImageReference(mirrored, 'django__django-11099')).toBe('mirror.example.com/hub/swebench/sweb.eval.x86_64.django_1776_django-11099:latest');
    expect(sweBenchImageReference(mirrored, 'django__django-11099', '127.0.0.1:5000')).toBe('127.0.0.1:5000/swebench/sweb.eval.x86_64.django_1776_django-11099:latest');
    expect(() => SweBenchImageSpecSchema.parse({ ...spec, registry: 'http://mirror' })).toThrow(/registry host/);
  });

  it('tell the environment images a disk budget may remove from every other image', () => {
    const labels = {};
    expect(isEnvironmentImage({ tags: ['swebench/sweb.eval.x86_64.django_1776_django-11099:latest'], labels })).toBe(true);
    expect(isEnvironmentImage({ tags: ['127.0.0.1:5000/swebench/sweb.eval.x86_64.a_1776_b-1:v2'], labels })).toBe(true);
    expect(isEnvironmentImage({ tags: ['codemonkeys/env:bookworm-0123456789ab'], labels: { [environmentImageLabels.environment]: 'bookworm-0123456789ab' } })).toBe(true);
    expect(isEnvironmentImage({ tags: [], labels: { [environmentImageLabels.environment]: 'bookworm-0123456789ab' } })).toBe(true);
    expect(isEnvironmentImage({ tags: [baseImageName('bookworm')], labels: { 'codemonkeys.image': '1' } })).toBe(false);
    expect(isEnvironmentImage({ tags: ['swebench/sweb.env.py.x86_64.0123:latest', 'postgres:16', 'sweb.eval.tools/x:1'], labels })).toBe(false);
  });
});

const available = async (): Promise<Availability> => {
  const docker = await dockerAvailability();
  return docker.available ? localRegistryAvailability() : docker;
};

describeWhenAvailable('official instance images pulled from a local registry (Debian docker-registry on 127.0.0.1)', await available(), () => {
  let fixture: FixtureRepository;
  let harness: Awaited<ReturnType<typeof openEvaluationSandbox>>;
  let sandbox: DockerSandbox;
  let registry: LocalRegistry;
  let cache: RepositoryCache;
  let directory: string;
  let imageId: string | undefined;
  let spec: SweBenchImageSpec;
  let laterCommit = '';
  const labels = { [testLabel.key]: testLabel.value };

  const localReferences = async (): Promise<string[]> => {
    if (!imageId) return [];
    const info = await sandbox.docker
      .getImage(imageId)
      .inspect()
      .catch(() => undefined);
    return info?.RepoTags ?? [];
  };

  beforeAll(async () => {
    fixture = await createFixtureRepository({ instances: ['word-count'] });
    const instance = fixture.instance('word-count');
    spec = officialFixtureSpec(fixture.repo);
    directory = await fs.mkdtemp(path.join(os.tmpdir(), 'registry-official-images-'));
    cache = createRepositoryCache({ directory: path.join(directory, 'cache'), repositorySources: fixture.repositorySources });
    harness = await openEvaluationSandbox();
    sandbox = harness.sandbox;
    registry = await startLocalRegistry();

    // What an official image holds: /testbed, a git repository at the base commit, and a conda
    // activation script (here a stand-in that defines `conda` as a shell function). Like some published
    // images, its repository also leaks later history: a tag of the fixture's last commit.
    const context = path.join(directory, 'image');
    const testbed = path.join(context, 'testbed');
    await fs.mkdir(testbed, { recursive: true });
    const git = (...args: string[]): string => execFileSync('git', ['-C', testbed, ...args], { encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } });
    git('init', '-q', '-b', 'main');
    git('fetch', '-q', '--no-tags', fixture.root, instance.baseCommit);
    git('reset', '-q', '--hard', 'FETCH_HEAD');
    git('fetch', '-q', '--no-tags', fixture.root, 'main:refs/tags/upstream-main');
    laterCommit = git('rev-parse', 'refs/tags/upstream-main').trim();
    expect(laterCommit).not.toBe(instance.baseCommit);
    await fs.rm(path.join(testbed, '.git', 'FETCH_HEAD'), { force: true });
    await fs.writeFile(
      path.join(context, 'activate'),
      '# Stand-in for miniconda: `conda activate testbed` only marks the environment active.\n' +
        'conda() { if [ "$1" = activate ] && [ "$2" = testbed ]; then export CONDA_DEFAULT_ENV=testbed; else echo "conda $*: not supported here" >&2; return 1; fi; }\n',
    );
    await fs.writeFile(
      path.join(context, 'Dockerfile'),
      `FROM ${baseImageName('bookworm')}\nCOPY testbed /testbed\nCOPY activate /opt/miniconda3/bin/activate\nWORKDIR /testbed\n`,
    );
    const pushed = sweBenchImageReference(spec, instance.instanceId, registry.address);
    imageId = (await sandbox.images.build({ tag: pushed, context: execFileSync('tar', ['-C', context, '-c', '.'], { maxBuffer: 64 * 1024 * 1024 }), labels })).id;
    await pushImage(sandbox.docker, pushed);
    await sandbox.docker.getImage(pushed).remove();
    expect(await sandbox.images.exists(pushed)).toBe(false);
  }, 600_000);

  afterAll(async () => {
    if (imageId)
      await sandbox?.docker
        .getImage(imageId)
        .remove({ force: true })
        .catch(() => undefined);
    if (imageId) expect(await sandbox.images.exists(imageId)).toBe(false);
    await registry?.stop();
    await harness?.finish();
    await cache?.close();
    await fixture?.cleanup();
    if (directory) await fs.rm(directory, { recursive: true, force: true });
  }, 120_000);

  /** Forgets every local copy of the image, so that the next use must pull it. */
  const forgetLocalCopies = async (): Promise<void> => {
    for (const reference of await localReferences()) await sandbox.docker.getImage(reference).remove({ force: true });
  };

  it('pulls the instance image under the harness name from the registry and grades the fixture candidates in it', async () => {
    const instance = fixture.instance('word-count');
    const imageLines: string[] = [];
    const provider = createInstanceSandboxProvider({
      sandbox,
      repositoryCache: cache,
      specs: [spec],
      specKind: 'swebench-image',
      registry: registry.address,
      labels,
      onImageLog: (line, image) => imageLines.push(`${image} ${line}`),
    });
    try {
      const instanceSandbox = provider.sandboxFor(instance);
      const image = await instanceSandbox.image();
      expect(image).toEqual({ image: `${registry.address}/swebench/sweb.eval.x86_64.${instance.instanceId.replace('__', '_1776_')}:latest`, built: true });
      expect(imageLines.some((line) => /Pull complete/.test(line))).toBe(true);
      expect(await localReferences()).toContain(image.image);

      const verdicts: Record<string, boolean> = {};
      for (const candidate of fixture.candidates(instance.instanceId).filter((each) => ['gold', 'empty', 'no-fix', 'regression'].includes(each.name))) {
        const evaluation = await evaluatePatch({ instance, patch: candidate.diff, instanceSandbox });
        expect(evaluation.infrastructureFailure, evaluation.runLog).toBeUndefined();
        expect(evaluation.resolved, `${candidate.name}: ${evaluation.testOutput}`).toBe(candidate.expected.resolved);
        verdicts[candidate.name] = evaluation.resolved;
      }
      expect(verdicts).toEqual({ gold: true, empty: false, 'no-fix': false, regression: false });
      // The image's leaked history is gone inside the sandbox: one commit, no tag, the later commit unknown.
      const history = await instanceSandbox.use((session) =>
        session.exec(['sh', '-c', 'git rev-list --all | wc -l; git tag | wc -l; git cat-file -e "$1" 2>/dev/null && echo reachable || echo unreachable', 'check', laterCommit]),
      );
      expect(history.stdout.trim().split(/\s+/)).toEqual(['1', '0', 'unreachable']);
      // /testbed came from the image: the repository cache never cloned the fixture.
      await expect(fs.readdir(path.join(directory, 'cache', 'mirrors'))).rejects.toThrow(/ENOENT/);
      // Found locally the second time: no pull.
      expect(await ensureEnvironmentImage({ images: sandbox.images, spec, instanceId: instance.instanceId, registry: registry.address })).toEqual({
        image: image.image,
        built: false,
      });
    } finally {
      await provider.close();
    }
  }, 600_000);

  it('says which image the registry does not have, without retrying', async () => {
    const proxy = await startRateLimitingProxy({ upstream: registry.address, refusedManifestRequests: 0 });
    try {
      const missing = { ...fixture.instance('word-count'), instanceId: 'codemonkeys-fixtures__textkit-404' };
      const error = await ensureEnvironmentImage({ images: sandbox.images, spec, instanceId: missing.instanceId, registry: proxy.address }).catch((caught: unknown) => caught);
      expect(EnvironmentImageError.isInstance(error)).toBe(true);
      const reference = `${proxy.address}/swebench/sweb.eval.x86_64.codemonkeys-fixtures_1776_textkit-404:latest`;
      expect(error).toMatchObject({ phase: 'pull', image: reference });
      expect((error as Error).message).toContain(`The image ${reference} does not exist in the registry ${proxy.address}`);
      expect((error as Error).message).toContain('codemonkeys-fixtures__textkit-404');
      expect(((error as Error).cause as { kind?: string }).kind).toBe('not-found');
      expect(proxy.requests.filter((request) => request.url === '/v2/')).toHaveLength(1);

      // Through evaluation: an infrastructure failure with that message, not a verdict about the patch.
      const provider = createInstanceSandboxProvider({ sandbox, repositoryCache: cache, specs: [spec], specKind: 'swebench-image', registry: proxy.address, labels });
      try {
        const evaluation = await evaluatePatch({ instance: missing, patch: missing.patch, instanceSandbox: provider.sandboxFor(missing) });
        expect(evaluation.resolved).toBe(false);
        expect(evaluation.infrastructureFailure?.message).toContain(`does not exist in the registry ${proxy.address}`);
      } finally {
        await provider.close();
      }
    } finally {
      await proxy.stop();
    }
  }, 300_000);

  it('refuses a disk budget the images capability cannot keep, before pulling anything', async () => {
    const instance = fixture.instance('word-count');
    // Docker's images without the budget part: core's SandboxImages and nothing more.
    const plainImages = { ensure: sandbox.images.ensure.bind(sandbox.images), pull: sandbox.images.pull.bind(sandbox.images), exists: sandbox.images.exists.bind(sandbox.images) };
    const refused = await ensureEnvironmentImage({
      images: plainImages,
      spec,
      instanceId: instance.instanceId,
      registry: registry.address,
      maxImageDiskBytes: 10_000_000_000,
    }).catch((caught: unknown) => caught);
    expect(UnsupportedCapabilityError.isInstance(refused)).toBe(true);
    expect((refused as Error).message).toContain('maxImageDiskBytes');
    await expect(ensureEnvironmentImage({ images: sandbox.images, spec, instanceId: instance.instanceId, registry: registry.address, maxImageDiskBytes: 0 })).rejects.toThrow(
      /maxImageDiskBytes must be a positive whole number/,
    );
  });

  it('retries a registry that answers 429 first, then pulls and evaluates', async () => {
    await forgetLocalCopies();
    const instance = fixture.instance('word-count');
    const proxy = await startRateLimitingProxy({ upstream: registry.address, refusedManifestRequests: 2, retryAfterSeconds: 1 });
    const imageLines: string[] = [];
    const provider = createInstanceSandboxProvider({
      sandbox,
      repositoryCache: cache,
      specs: [spec],
      specKind: 'swebench-image',
      registry: proxy.address,
      labels,
      onImageLog: (line) => imageLines.push(line),
    });
    try {
      const evaluation = await evaluatePatch({ instance, patch: instance.patch, instanceSandbox: provider.sandboxFor(instance) });
      expect(evaluation.infrastructureFailure, evaluation.runLog).toBeUndefined();
      expect(evaluation.resolved).toBe(true);
      const manifestStatuses = proxy.requests.filter((request) => request.url.includes('/manifests/')).map((request) => request.status);
      expect(manifestStatuses.slice(0, 2)).toEqual([429, 429]);
      expect(manifestStatuses).toContain(200);
      expect(imageLines.some((line) => /toomanyrequests.*retrying in/.test(line))).toBe(true);
      expect(await localReferences()).toContain(sweBenchImageReference(spec, instance.instanceId, proxy.address));
    } finally {
      await provider.close();
      await proxy.stop();
    }
  }, 300_000);
});
