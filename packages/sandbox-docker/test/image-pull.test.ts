import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { describeWhenAvailable, type Availability } from '@codemonkeys/protocol/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyPullFailure, ImagePullError, pullRetryDelayMs, registryOfReference, type DockerSandbox } from '../src/index';
import { packFiles } from '../src/tar-archives';
import { localRegistryAvailability, pushImage, startLocalRegistry, startRateLimitingProxy, type LocalRegistry } from '../src/testing/index';
import { dockerAvailability, openTestSandbox } from './support/docker-test-support';

describe('pull failure classification and backoff', () => {
  it('tells rate limits, registry errors and dropped connections (retried) from missing images (not retried)', () => {
    expect(classifyPullFailure('toomanyrequests: You have reached your pull rate limit.', 500)).toBe('retryable');
    expect(classifyPullFailure('received unexpected HTTP status: 503 Service Unavailable', 500)).toBe('retryable');
    expect(classifyPullFailure('Get "https://registry-1.docker.io/v2/": read tcp 10.0.0.2:5000: read: connection reset by peer', 500)).toBe('retryable');
    expect(classifyPullFailure('manifest for 127.0.0.1:5000/a/b:latest not found: manifest unknown: manifest unknown', 404)).toBe('not-found');
    expect(classifyPullFailure("pull access denied for nope, repository does not exist or may require 'docker login'", 404)).toBe('not-found');
    expect(classifyPullFailure('Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host', 500)).toBe('fatal');
  });

  it('backs off exponentially up to the cap, with half of each wait random', () => {
    const retry = { initialDelayMs: 1000, maxDelayMs: 5000 };
    expect([1, 2, 3, 4].map((attempt) => pullRetryDelayMs(attempt, retry, () => 0))).toEqual([500, 1000, 2000, 2500]);
    expect([1, 2, 3, 4].map((attempt) => pullRetryDelayMs(attempt, retry, () => 1))).toEqual([1000, 2000, 4000, 5000]);
  });

  it('names the registry of a reference as Docker resolves it', () => {
    expect(registryOfReference('127.0.0.1:5000/swebench/sweb.eval.x86_64.a_1776_b-1:latest')).toBe('127.0.0.1:5000');
    expect(registryOfReference('ghcr.io/owner/image')).toBe('ghcr.io');
    expect(registryOfReference('swebench/sweb.eval.x86_64.a_1776_b-1:latest')).toBe('docker.io');
    expect(registryOfReference('ubuntu')).toBe('docker.io');
  });
});

/** A minimal root file system from the host's own binaries (sh, cat, sleep, timeout): a few MB, quick to push. */
function hostRootfs(): Buffer {
  const binaries = { 'bin/sh': '/bin/sh', 'bin/cat': '/bin/cat', 'bin/sleep': '/bin/sleep', 'usr/bin/timeout': '/usr/bin/timeout' };
  const libraries = new Set<string>();
  for (const binary of Object.values(binaries)) {
    for (const match of execFileSync('ldd', [binary], { encoding: 'utf8' }).matchAll(/(\/\S+\.so[.\d]*)/g)) libraries.add(match[1]!);
  }
  const files = [...Object.entries(binaries), ...[...libraries].map((library) => [library.slice(1), library] as const)].map(([name, source]) => ({
    name,
    content: fs.readFileSync(source),
    mode: 0o755,
  }));
  files.push({ name: 'etc/pulled', content: Buffer.from('pulled from the local registry\n'), mode: 0o644 });
  return packFiles(files) as unknown as Buffer;
}

const bothAvailable = async (): Promise<Availability> => {
  const docker = await dockerAvailability();
  if (!docker.available) return docker;
  return localRegistryAvailability();
};

describeWhenAvailable('pulls from a local registry (real daemon, Debian docker-registry on 127.0.0.1)', await bothAvailable(), () => {
  let sandbox: DockerSandbox;
  let finish: () => Promise<void>;
  let registry: LocalRegistry;
  const repository = `codemonkeys-test/pull-${process.pid}`;
  const pulledReferences = new Set<string>();
  let imageId: string | undefined;

  beforeAll(async () => {
    ({ sandbox, finish } = await openTestSandbox({ labels: { 'codemonkeys.test': 'image-pull' } }));
    registry = await startLocalRegistry();
    const reference = `${registry.address}/${repository}:v1`;
    imageId = (await sandbox.images.import({ tag: reference, rootfs: hostRootfs(), changes: ['CMD ["/bin/sh"]'] })).id;
    await pushImage(sandbox.docker, reference);
    await sandbox.docker.getImage(reference).remove();
    expect(await sandbox.images.exists(reference)).toBe(false);
  }, 300_000);

  afterAll(async () => {
    for (const reference of pulledReferences)
      await sandbox?.docker
        .getImage(reference)
        .remove({ force: true })
        .catch(() => undefined);
    if (imageId)
      await sandbox?.docker
        .getImage(imageId)
        .remove({ force: true })
        .catch(() => undefined);
    if (imageId) expect(await sandbox.images.exists(imageId)).toBe(false);
    await registry?.stop();
    await finish?.();
  }, 120_000);

  const forget = async (reference: string): Promise<void> => {
    pulledReferences.add(reference);
    await sandbox.docker
      .getImage(reference)
      .remove({ force: true })
      .catch(() => undefined);
  };

  it('pulls an image pushed to the registry, reporting progress, and sessions run on it', async () => {
    const reference = `${registry.address}/${repository}:v1`;
    await forget(reference);
    const lines: string[] = [];
    const pulled = await sandbox.images.pull(reference, { onLog: (line) => lines.push(line) });
    expect(pulled).toMatchObject({ tag: reference, built: true });
    expect(lines.some((line) => /Pull complete|Download complete/.test(line))).toBe(true);
    expect(lines.some((line) => /Downloaded newer image/.test(line))).toBe(true);
    const session = await sandbox.open({ image: reference, workdir: '/' });
    expect((await session.exec('cat /etc/pulled')).stdout).toBe('pulled from the local registry\n');
    await session.close();
  }, 120_000);

  it('retries a registry that answers 429 (Retry-After, TOOMANYREQUESTS) and then pulls', async () => {
    // Docker asks for the manifest with HEAD, then GET: refusing both fails the first pull.
    const proxy = await startRateLimitingProxy({ upstream: registry.address, refusedManifestRequests: 2 });
    try {
      const reference = `${proxy.address}/${repository}:v1`;
      await forget(reference);
      const lines: string[] = [];
      const pulled = await sandbox.images.pull(reference, { onLog: (line) => lines.push(line), retry: { initialDelayMs: 200 } });
      expect(pulled.built).toBe(true);
      expect(await sandbox.images.exists(reference)).toBe(true);
      const manifestStatuses = proxy.requests.filter((request) => request.url.includes('/manifests/')).map((request) => request.status);
      expect(manifestStatuses.slice(0, 2)).toEqual([429, 429]);
      expect(manifestStatuses.slice(2)).toContain(200);
      // Two pulls: each starts with the registry's version check.
      expect(proxy.requests.filter((request) => request.url === '/v2/')).toHaveLength(2);
      expect(lines.find((line) => line.startsWith(`pull of ${reference} failed`))).toMatch(/toomanyrequests.*retrying in .* s \(attempt 2 of 5\)/);
    } finally {
      await proxy.stop();
    }
  }, 120_000);

  it('retries a registry that answers 503 (a server error), then pulls', async () => {
    const proxy = await startRateLimitingProxy({ upstream: registry.address, refusedManifestRequests: 2, status: 503 });
    try {
      const reference = `${proxy.address}/${repository}:v1`;
      await forget(reference);
      const lines: string[] = [];
      expect((await sandbox.images.pull(reference, { onLog: (line) => lines.push(line), retry: { initialDelayMs: 200 } })).built).toBe(true);
      expect(proxy.requests.filter((request) => request.url === '/v2/')).toHaveLength(2);
      expect(lines.find((line) => line.startsWith(`pull of ${reference} failed`))).toMatch(/503 Service Unavailable.*retrying in/);
    } finally {
      await proxy.stop();
    }
  }, 120_000);

  it('gives up after the attempts allowed, saying the failure may pass', async () => {
    const proxy = await startRateLimitingProxy({ upstream: registry.address, refusedManifestRequests: 1000 });
    try {
      const reference = `${proxy.address}/${repository}:v1`;
      await forget(reference);
      const error = await sandbox.images.pull(reference, { retry: { attempts: 3, initialDelayMs: 50 } }).catch((caught: unknown) => caught);
      expect(ImagePullError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ kind: 'retryable', isRetryable: true, attempts: 3, image: reference, registry: proxy.address });
      expect((error as Error).message).toContain('toomanyrequests');
      expect(proxy.requests.filter((request) => request.url === '/v2/')).toHaveLength(3);
    } finally {
      await proxy.stop();
    }
  }, 120_000);

  it('fails at once with a clear error for an image the registry does not have', async () => {
    const proxy = await startRateLimitingProxy({ upstream: registry.address, refusedManifestRequests: 0 });
    try {
      const reference = `${proxy.address}/${repository}:absent`;
      const error = await sandbox.images.pull(reference, { retry: { initialDelayMs: 50 } }).catch((caught: unknown) => caught);
      expect(ImagePullError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ kind: 'not-found', isRetryable: false, attempts: 1, image: reference, registry: proxy.address });
      expect((error as Error).message).toContain(`The image ${reference} does not exist in the registry ${proxy.address}`);
      expect((error as Error).message).toContain('manifest unknown');
      // Not retried: one pull reached the registry.
      expect(proxy.requests.filter((request) => request.url === '/v2/')).toHaveLength(1);
    } finally {
      await proxy.stop();
    }
  }, 120_000);
});
