import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { SandboxError } from '@codemonkeys/protocol';
import { describeWhenAvailable } from '@codemonkeys/protocol/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sandboxLabels, type DockerSandbox } from '../src/index';
import { packFiles } from '../src/tar-archives';
import { baseImage, dockerAvailability, openTestSandbox } from './support/docker-test-support';

const repository = `codemonkeys-test/images-${process.pid}-${Date.now()}`;

/** A minimal root file system from the host's own binaries: sh, sleep, timeout, cat and their libraries. */
function hostRootfsFiles(): Array<{ name: string; content: Buffer; mode: number }> {
  const binaries = { 'bin/sh': '/bin/sh', 'bin/sleep': '/bin/sleep', 'usr/bin/timeout': '/usr/bin/timeout', 'bin/cat': '/bin/cat' };
  const libraries = new Set<string>();
  for (const binary of Object.values(binaries)) {
    for (const match of execFileSync('ldd', [binary], { encoding: 'utf8' }).matchAll(/(\/\S+\.so[.\d]*)/g)) libraries.add(match[1]!);
  }
  return [...Object.entries(binaries), ...[...libraries].map((library) => [library.slice(1), library] as const)].map(([name, source]) => ({
    name,
    content: fs.readFileSync(source),
    mode: 0o755,
  }));
}

describeWhenAvailable('Docker images (real daemon)', await dockerAvailability(), () => {
  let sandbox: DockerSandbox;
  let finish: () => Promise<void>;
  const tags: string[] = [];
  const tag = (name: string): string => {
    tags.push(`${repository}:${name}`);
    return `${repository}:${name}`;
  };

  beforeAll(async () => {
    ({ sandbox, finish } = await openTestSandbox({ labels: { 'codemonkeys.test': 'images' } }));
  });
  afterAll(async () => {
    for (const each of tags) await sandbox.images.remove(each).catch(() => undefined);
    for (const each of tags) expect(await sandbox.images.exists(each)).toBe(false);
    await finish?.();
  }, 60_000);

  it('builds an image from a Dockerfile and context files, labelled, and sessions run on it', async () => {
    const built = await sandbox.images.build({
      tag: tag('built'),
      dockerfile: `FROM ${baseImage}\nCOPY greeting.txt /opt/greeting.txt\nRUN python3 -c "print(open('/opt/greeting.txt').read().upper())" > /opt/upper.txt\n`,
      context: [{ path: 'greeting.txt', content: 'hello' }],
      labels: { 'codemonkeys.test': 'images' },
    });
    expect(built.built).toBe(true);
    expect((await sandbox.images.inspect(built.tag))?.labels).toMatchObject({ [sandboxLabels.image]: '1', 'codemonkeys.test': 'images' });
    const session = await sandbox.open({ image: built.tag, workdir: '/testbed' });
    expect((await session.exec('cat /opt/upper.txt')).stdout).toBe('HELLO\n');
    await session.close();
  }, 120_000);

  it('ensure builds once for concurrent callers, then reuses, and rebuilds when the definition changes', async () => {
    const definition = { tag: tag('ensured'), dockerfile: `FROM ${baseImage}\nCOPY value.txt /opt/value.txt\n`, files: [{ path: 'value.txt', content: 'first' }] };
    const concurrent = await Promise.all([sandbox.images.ensure(definition), sandbox.images.ensure(definition), sandbox.images.ensure(definition)]);
    expect(concurrent.filter((info) => info.built)).toHaveLength(1);
    expect(new Set(concurrent.map((info) => info.id)).size).toBe(1);
    expect(await sandbox.images.ensure(definition)).toMatchObject({ built: false, id: concurrent[0]!.id });

    const changed = await sandbox.images.ensure({ ...definition, files: [{ path: 'value.txt', content: 'second' }] });
    expect(changed.built).toBe(true);
    expect(changed.id).not.toBe(concurrent[0]!.id);
    const session = await sandbox.open({ image: changed.tag, workdir: '/testbed' });
    expect((await session.exec('cat /opt/value.txt')).stdout).toBe('second');
    await session.close();
  }, 120_000);

  it('reports a failing build with the end of its output', async () => {
    const error = await sandbox.images.build({ tag: tag('failing'), dockerfile: `FROM ${baseImage}\nRUN echo about to fail && exit 3\n` }).catch((caught: unknown) => caught);
    expect(SandboxError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('about to fail');
    expect((error as Error).message).toMatch(/non-zero code: 3/);
  }, 120_000);

  it('imports a root file system tarball streamed in, and sessions run on it', async () => {
    const imported = await sandbox.images.import({
      tag: tag('imported'),
      rootfs: packFiles(hostRootfsFiles()),
      changes: ['CMD ["/bin/sh"]', 'ENV LANG=C.UTF-8'],
      labels: { 'codemonkeys.test': 'images' },
    });
    const info = await sandbox.docker.getImage(imported.tag).inspect();
    expect(info.Config.Cmd).toEqual(['/bin/sh']);
    expect(info.Config.Labels).toMatchObject({ [sandboxLabels.image]: '1', 'codemonkeys.test': 'images' });
    const session = await sandbox.open({ image: imported.tag, workdir: '/work' });
    const result = await session.exec('echo $((6 * 7)) "$LANG"', { timeoutMs: 10_000 });
    expect(result).toMatchObject({ exitCode: 0, stdout: '42 C.UTF-8\n' });
    await session.close();
  }, 120_000);

  it('refuses to remove an image it did not build', async () => {
    const [name, version] = [repository, 'unlabelled'];
    await sandbox.docker.getImage(baseImage).tag({ repo: name, tag: version });
    try {
      await expect(sandbox.images.remove(`${name}:${version}`)).rejects.toThrow(/not built by codemonkeys/);
      expect(await sandbox.images.exists(`${name}:${version}`)).toBe(true);
    } finally {
      await sandbox.docker.getImage(`${name}:${version}`).remove(); // only the extra tag; the base image stays
    }
    expect(await sandbox.images.exists(baseImage)).toBe(true);
  });
});
