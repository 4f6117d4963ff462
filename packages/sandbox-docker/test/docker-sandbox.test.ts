import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SandboxError, SchemaValidationError } from '@codemonkeys/protocol';
import { describeWhenAvailable } from '@codemonkeys/protocol/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDockerSandbox, currentOwner, sandboxLabels, type DockerSandbox } from '../src/index';
import { baseImage, dockerAvailability, openTestSandbox } from './support/docker-test-support';

it('names the socket and how to start Docker when the daemon cannot be reached', async () => {
  const error = await createDockerSandbox({ socketPath: '/tmp/codemonkeys-no-such-docker.sock' }).catch((caught: unknown) => caught);
  expect(SandboxError.isInstance(error)).toBe(true);
  expect((error as Error).message).toContain('/tmp/codemonkeys-no-such-docker.sock');
  expect((error as Error).message).toContain('scripts/setup-machine.sh');
});

it('lists every invalid option', async () => {
  const error = await createDockerSandbox({ defaultTimeoutMs: -1, killStrategy: 'pray' as never }).catch((caught: unknown) => caught);
  expect(SchemaValidationError.isInstance(error)).toBe(true);
  expect((error as Error).message).toContain('defaultTimeoutMs');
  expect((error as Error).message).toContain('killStrategy');
});

describeWhenAvailable('Docker sandbox (real containers)', await dockerAvailability(), () => {
  let sandbox: DockerSandbox;
  let finish: () => Promise<void>;

  beforeAll(async () => {
    ({ sandbox, finish } = await openTestSandbox({ labels: { 'codemonkeys.test': 'docker-sandbox' } }));
  });
  afterAll(async () => {
    await finish?.();
  }, 60_000);

  it('labels containers with owner, creation time, sandbox instance and the caller’s labels, and applies limits', async () => {
    const session = await sandbox.open({
      image: baseImage,
      workdir: '/testbed',
      labels: { 'codemonkeys.instance-id': 'astropy__astropy-12907', [sandboxLabels.sandbox]: 'overridden?' },
      limits: { memoryBytes: 512 * 1024 ** 2, cpus: 0.5, pids: 128 },
    });
    try {
      const info = await sandbox.docker.getContainer(session.id).inspect();
      const owner = currentOwner();
      expect(info.Config.Labels).toMatchObject({
        'codemonkeys.instance-id': 'astropy__astropy-12907',
        'codemonkeys.test': 'docker-sandbox',
        [sandboxLabels.sandbox]: '1',
        [sandboxLabels.sandboxInstance]: sandbox.instanceLabel.value,
        [sandboxLabels.ownerHost]: owner.host,
        [sandboxLabels.ownerPid]: String(process.pid),
        [sandboxLabels.ownerBootId]: owner.bootId,
      });
      expect(Date.parse(info.Config.Labels[sandboxLabels.created]!)).toBeGreaterThan(Date.now() - 60_000);
      expect(info.HostConfig).toMatchObject({ Memory: 512 * 1024 ** 2, MemorySwap: 512 * 1024 ** 2, NanoCpus: 500_000_000, PidsLimit: 128, Init: true });
      expect(info.Config.WorkingDir).toBe('/testbed');
    } finally {
      await session.close();
    }
  });

  it('leaves nothing open after uploads and reads: a process that used a session exits by itself once it is closed', async () => {
    const script = fileURLToPath(new URL('./support/uploads-then-exit.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, baseImage, 'docker-sandbox-exit'], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
    clearTimeout(killer);
    // Killed at the limit means an open socket (an unread Docker response) kept it alive after "closed".
    expect({ ...exit, output: output.trim() }).toEqual({ code: 0, signal: null, output: 'closed' });
  }, 60_000);

  it('reading a directory fails without holding the container: later calls go through', async () => {
    const session = await sandbox.open({ image: baseImage, workdir: '/testbed' });
    try {
      await expect(session.readFile('/usr/lib')).rejects.toThrow(/is a directory/);
      // The daemon locks the container until the archive response of the read is closed.
      await expect(session.readFile('/usr/share')).rejects.toThrow(/is a directory/);
      expect((await session.exec('echo still here', { timeoutMs: 20_000 })).stdout).toBe('still here\n');
    } finally {
      await session.close();
    }
  }, 60_000);

  it('refuses a relative workdir and says how to build a missing image', async () => {
    await expect(sandbox.open({ image: baseImage, workdir: 'testbed' })).rejects.toThrow(/absolute/);
    const error = await sandbox.open({ image: 'codemonkeys/never-built:1', workdir: '/testbed' }).catch((caught: unknown) => caught);
    expect(SandboxError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/codemonkeys\/never-built:1.*scripts\/build-base-image\.sh.*images\.ensure/s);
  });

  it('fails clearly when a command cannot start (missing working directory) and reports a missing program as exit 127', async () => {
    const session = await sandbox.open({ image: baseImage, workdir: '/testbed' });
    try {
      const error = await session.exec('pwd', { cwd: '/no/such/directory' }).catch((caught: unknown) => caught);
      expect(SandboxError.isInstance(error)).toBe(true);
      expect((error as Error).message).toMatch(/\/no\/such\/directory/);
      expect(await session.exec(['/no/such/program'])).toMatchObject({ exitCode: 127, timedOut: false });
    } finally {
      await session.close();
    }
  });

  it('reports a container removed behind its back, and reads through symbolic links but not loops', async () => {
    const session = await sandbox.open({ image: baseImage, workdir: '/testbed' });
    await session.exec('printf target > real && ln -s real link && ln -s loop-b loop-a && ln -s loop-a loop-b');
    expect(new TextDecoder().decode(await session.readFile('link'))).toBe('target');
    await expect(session.readFile('loop-a')).rejects.toThrow(/symbolic links/);
    await sandbox.docker.getContainer(session.id).remove({ force: true });
    const error = await session.exec('true').catch((caught: unknown) => caught);
    expect(SandboxError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/was removed.*Open a new session/);
    await session.close(); // already gone: no error
  });

  it('with the restart-container strategy, stops a command at its limit and keeps the files', async () => {
    const restarting = await createDockerSandbox({ killStrategy: 'restart-container', reapOnStart: false, labels: { 'codemonkeys.test': 'docker-sandbox' } });
    try {
      const session = await restarting.open({ image: baseImage, workdir: '/testbed' });
      await session.putFiles([{ path: 'kept.txt', content: 'survives a restart' }]);
      const result = await session.exec('echo started; sleep 60', { timeoutMs: 1_500 });
      expect(result).toMatchObject({ timedOut: true, exitCode: null });
      expect(result.stdout).toBe('started\n');
      expect(result.stderr).toMatch(/container was restarted/);
      expect((await session.exec('cat kept.txt')).stdout).toBe('survives a restart');
    } finally {
      await restarting.close();
    }
  }, 60_000);
});
