import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxError } from '../errors/sandbox-errors';
import { ExecResultSchema, SandboxLimitsSchema } from '../sandbox/v1/sandbox';
import type { Sandbox, SandboxSession, SandboxSpec } from '../sandbox/v1/sandbox';

export interface SandboxConformanceFactory {
  /** The sandbox under test; called once per suite (and once more for the close test). */
  create(): Promise<Sandbox>;
  /**
   * What the suite's sessions start from. The image needs a POSIX shell, coreutils, git, GNU tar, find and
   * python3 (the network checks are a python script).
   */
  spec: SandboxSpec;
  /** Ids of `sandbox`'s sessions that still exist (containers by label, say): how cleanup is checked. */
  listSessionIds(sandbox: Sandbox): Promise<string[]>;
  /** A spec whose image does not exist, to check that opening it fails clearly. */
  missingImageSpec?: SandboxSpec;
}

const text = (bytes: Uint8Array | undefined): string | undefined => (bytes === undefined ? undefined : new TextDecoder().decode(bytes));

/** Lists the command lines of the sandbox's processes (no `ps` needed). */
const listProcesses = `python3 - <<'EOF'
import os
for pid in sorted(p for p in os.listdir('/proc') if p.isdigit()):
    try:
        print(open(f'/proc/{pid}/cmdline', 'rb').read().replace(b'\\0', b' ').decode().strip())
    except OSError:
        pass
EOF`;

const networkProbe = `python3 - <<'EOF'
import errno, json, socket
result = {'interfaces': sorted(name for _, name in socket.if_nameindex())}
def connect(address):
    probe = socket.socket()
    probe.settimeout(3)
    try:
        probe.connect(address)
        return 'connected'
    except OSError as error:
        return errno.errorcode.get(error.errno, str(error))
    finally:
        probe.close()
# 192.0.2.1 is TEST-NET-1 (RFC 5737): never routed anywhere. With no network the kernel refuses at once.
result['external'] = connect(('192.0.2.1', 80))
nameservers = [line.split()[1] for line in open('/etc/resolv.conf') if line.startswith('nameserver')]
result['nameservers'] = []
for nameserver in nameservers:
    udp = socket.socket(socket.AF_INET6 if ':' in nameserver else socket.AF_INET, socket.SOCK_DGRAM)
    try:
        udp.sendto(b'\\0' * 12, (nameserver, 53))
        result['nameservers'].append('sent')
    except OSError as error:
        result['nameservers'].append(errno.errorcode.get(error.errno, str(error)))
    finally:
        udp.close()
try:
    socket.getaddrinfo('codemonkeys-sandbox-probe.example', 80)
    result['dns'] = 'resolved'
except socket.gaierror:
    result['dns'] = 'failed'
server = socket.socket()
server.bind(('127.0.0.1', 0))
server.listen(1)
client = socket.create_connection(server.getsockname(), timeout=3)
connection, _ = server.accept()
client.sendall(b'ping')
result['loopback'] = connection.recv(4).decode()
print(json.dumps(result))
EOF`;

/**
 * The Sandbox conformance suite. Every implementation runs it in a one-line test file:
 * `runSandboxConformance('docker', { create: () => createDockerSandbox(), spec, listSessionIds })`.
 * It covers exec results, time limits, the output cap, files and archives in and out, (the instance pool's
 * reset semantics over a sandbox are tested in @codemonkeys/swebench, which owns the pool), network isolation and limits (as the capabilities declare them), and
 * cleanup. Sessions are shared within groups of tests to keep the suite quick.
 */
export function runSandboxConformance(name: string, factory: SandboxConformanceFactory): void {
  describe(`Sandbox conformance: ${name}`, () => {
    let sandbox: Sandbox;
    let session: SandboxSession;
    const spec: SandboxSpec = { ...factory.spec, env: { ...factory.spec.env, CODEMONKEYS_CONFORMANCE: 'from the spec' } };

    beforeAll(async () => {
      sandbox = await factory.create();
      session = await sandbox.open(spec);
    }, 120_000);

    afterAll(async () => {
      await sandbox?.close();
      if (sandbox) expect(await factory.listSessionIds(sandbox)).toEqual([]);
    }, 120_000);

    describe('exec', () => {
      it('returns exit code, stdout and stderr apart, and a valid result', async () => {
        const result = await session.exec("printf 'to stdout'; printf 'to stderr' >&2; exit 3");
        expect(result).toMatchObject({ exitCode: 3, stdout: 'to stdout', stderr: 'to stderr', timedOut: false, truncated: false });
        expect(ExecResultSchema.parse(result)).toEqual(result);
        expect(result.durationMs).toBeGreaterThan(0);
        expect((await session.exec('true')).exitCode).toBe(0);
        expect((await session.exec(['codemonkeys-no-such-command'])).exitCode).not.toBe(0);
      });

      it('passes argv untouched by any shell', async () => {
        const result = await session.exec(['printf', '%s|', 'a b', "c'd", '$HOME', '*']);
        expect(result.stdout).toBe("a b|c'd|$HOME|*|");
      });

      it('runs in the workdir by default, or in cwd (relative to the workdir, or absolute)', async () => {
        expect((await session.exec('pwd')).stdout.trim()).toBe(session.workdir);
        await session.exec('mkdir -p conformance-cwd/inner');
        expect((await session.exec('pwd', { cwd: 'conformance-cwd/inner' })).stdout.trim()).toBe(`${session.workdir.replace(/\/$/, '')}/conformance-cwd/inner`);
        expect((await session.exec('pwd', { cwd: '/' })).stdout.trim()).toBe('/');
      });

      it('passes the spec environment, the command environment and stdin', async () => {
        const result = await session.exec('printf "%s|%s|" "$CODEMONKEYS_CONFORMANCE" "$GREETING"; cat; wc -l', {
          env: { GREETING: 'hello world' },
          stdin: 'line one\nline two\n',
        });
        expect(result.stdout.split('|').slice(0, 2)).toEqual(['from the spec', 'hello world']);
        expect(result.stdout).toContain('line one\nline two\n');
        expect((await session.exec('wc -l', { stdin: 'a\nb\nc\n' })).stdout.trim()).toBe('3');
      });

      it('keeps UTF-8 and large outputs whole under the cap', async () => {
        expect((await session.exec("printf 'héllo ✓ 世界'")).stdout).toBe('héllo ✓ 世界');
        const large = await session.exec('head -c 300000 /dev/zero | tr "\\0" y');
        expect(large.stdout).toBe('y'.repeat(300_000));
        expect(large.truncated).toBe(false);
      });

      it('runs commands of one session concurrently', async () => {
        const results = await Promise.all([1, 2, 3, 4, 5].map((index) => session.exec(`sleep 0.2; echo ${index}`)));
        expect(results.map((result) => result.stdout.trim())).toEqual(['1', '2', '3', '4', '5']);
      });
    });

    describe('time limits', () => {
      it('kills a command at its limit, keeps the output so far, and the session stays usable', async () => {
        const result = await session.exec('echo before; sleep 60; echo after', { timeoutMs: 1500 });
        expect(result).toMatchObject({ timedOut: true, exitCode: null });
        expect(result.stdout).toContain('before');
        expect(result.stdout).not.toContain('after');
        expect(result.durationMs).toBeLessThan(45_000);
        expect((await session.exec('echo alive')).stdout.trim()).toBe('alive');
      }, 90_000);

      it('kills what the command started and commands that ignore TERM', async () => {
        const result = await session.exec("trap '' TERM; sleep 313 & sleep 314; wait", { timeoutMs: 1000 });
        expect(result.timedOut).toBe(true);
        const processes = (await session.exec(listProcesses)).stdout;
        expect(processes).not.toMatch(/sleep 31[34]/);
      }, 90_000);

      it('does not report a timeout for a command that ends in time', async () => {
        const result = await session.exec('sleep 0.1; exit 124', { timeoutMs: 20_000 });
        expect(result).toMatchObject({ timedOut: false, exitCode: 124 });
      });
    });

    describe('output cap', () => {
      it('keeps the head and the tail of each stream', async () => {
        const result = await session.exec(
          'printf START; head -c 300000 /dev/zero | tr "\\0" x; printf END; printf ERRSTART >&2; head -c 300000 /dev/zero | tr "\\0" e >&2; printf ERREND >&2',
          { maxOutputBytes: 1000 },
        );
        expect(result.truncated).toBe(true);
        expect(result.stdout.startsWith('START')).toBe(true);
        expect(result.stdout.endsWith('END')).toBe(true);
        expect(result.stdout.length).toBeLessThan(1200);
        expect(result.stderr.startsWith('ERRSTART')).toBe(true);
        expect(result.stderr.endsWith('ERREND')).toBe(true);
        expect(result.stderr.length).toBeLessThan(1200);
        expect(result.exitCode).toBe(0);
      });
    });

    describe('files', () => {
      it('writes files (relative, absolute, binary, executable, nested) and reads them back', async () => {
        const binary = Uint8Array.from({ length: 256 }, (_, index) => index);
        await session.putFiles([
          { path: 'conformance-files/a.txt', content: 'alpha\n' },
          { path: 'conformance-files/deep/er/ünïcode.txt', content: 'ünï ✓' },
          { path: '/opt/conformance/absolute.bin', content: binary },
          { path: 'conformance-files/run.sh', content: '#!/bin/sh\necho ran "$@"\n', mode: 0o755 },
        ]);
        expect(text(await session.readFile('conformance-files/a.txt'))).toBe('alpha\n');
        expect(text(await session.readFile(`${session.workdir}/conformance-files/deep/er/ünïcode.txt`))).toBe('ünï ✓');
        expect(await session.readFile('/opt/conformance/absolute.bin')).toEqual(binary);
        expect((await session.exec(['./conformance-files/run.sh', 'ok'])).stdout).toBe('ran ok\n');
        expect((await session.exec('cat conformance-files/a.txt')).stdout).toBe('alpha\n');

        await session.putFiles([{ path: 'conformance-files/a.txt', content: 'replaced' }]);
        expect(text(await session.readFile('conformance-files/a.txt'))).toBe('replaced');
        await session.exec('ln -sf a.txt conformance-files/link.txt');
        expect(text(await session.readFile('conformance-files/link.txt'))).toBe('replaced');
      });

      it('returns undefined for a missing file and refuses a directory', async () => {
        expect(await session.readFile('conformance-files/missing.txt')).toBeUndefined();
        expect(await session.readFile('/no/such/directory/file')).toBeUndefined();
        await session.exec('mkdir -p conformance-files/a-directory');
        const error = await session.readFile('conformance-files/a-directory').catch((caught: unknown) => caught);
        expect(SandboxError.isInstance(error)).toBe(true);
      });
    });

    describe('archives', () => {
      it('unpacks a tar archive from bytes or from a stream, creating the destination', async () => {
        const made = await session.exec(
          'rm -rf /tmp/archive-source && mkdir -p /tmp/archive-source/a/b && printf one > /tmp/archive-source/a/one && ' +
            'printf two > /tmp/archive-source/a/b/two && ln -s one /tmp/archive-source/a/link && ' +
            'printf "#!/bin/sh\\necho tool\\n" > /tmp/archive-source/tool && chmod 755 /tmp/archive-source/tool && ' +
            'tar -C /tmp/archive-source -cf /tmp/archive.tar .',
        );
        expect(made.exitCode).toBe(0);
        const archive = await session.readFile('/tmp/archive.tar');
        expect(archive?.byteLength).toBeGreaterThan(1024);

        await session.putArchive(archive!, 'unpacked/from-bytes');
        async function* chunks(): AsyncIterable<Uint8Array> {
          for (let offset = 0; offset < archive!.byteLength; offset += 700) yield archive!.subarray(offset, offset + 700);
        }
        await session.putArchive(chunks(), '/opt/unpacked-from-stream');
        for (const root of [`${session.workdir}/unpacked/from-bytes`, '/opt/unpacked-from-stream']) {
          const listing = await session.exec(`cat a/one a/b/two a/link; ./tool; test -L a/link && echo symlink`, { cwd: root });
          expect(listing.stdout).toBe('onetwoonetool\nsymlink\n');
        }
      });

      it('fails clearly when the archive stream fails, and the session stays usable', async () => {
        async function* broken(): AsyncIterable<Uint8Array> {
          yield new Uint8Array(512);
          throw new Error('the archive source broke');
        }
        await expect(session.putArchive(broken(), 'unpacked/broken')).rejects.toThrow(/archive source broke/);
        expect((await session.exec('echo fine')).stdout).toBe('fine\n');
      });
    });

    describe('network', () => {
      it('has no network: loopback only, no route out, no DNS', async (context) => {
        if (!sandbox.capabilities.isolatedNetwork) context.skip();
        const result = await session.exec(networkProbe, { timeoutMs: 60_000 });
        expect(result.exitCode, result.stderr).toBe(0);
        const probe = JSON.parse(result.stdout) as { interfaces: string[]; external: string; nameservers: string[]; dns: string; loopback: string };
        expect(probe.interfaces).toEqual(['lo']);
        expect(probe.external).toBe('ENETUNREACH');
        for (const attempt of probe.nameservers) expect(attempt).toBe('ENETUNREACH');
        expect(probe.dns).toBe('failed');
        expect(probe.loopback).toBe('ping');
      }, 90_000);
    });

    describe('limits', () => {
      it('declares the limits each session runs under', async (context) => {
        if (!sandbox.capabilities.limits) context.skip();
        expect(session.limits).toEqual(SandboxLimitsSchema.parse(spec.limits ?? {}));
        const custom = { memoryBytes: 256 * 1024 ** 2, cpus: 0.5, pids: 100 };
        const limited = await sandbox.open({ ...spec, limits: custom });
        try {
          expect(limited.limits).toEqual(custom);
          const partial = await sandbox.open({ ...spec, limits: { pids: 64 } });
          expect(partial.limits).toEqual({ ...SandboxLimitsSchema.parse({}), pids: 64 });
          await partial.close();
        } finally {
          await limited.close();
        }
      }, 60_000);
    });

    describe('errors and cleanup', () => {
      it('removes a closed session, refuses commands on it, and closes twice without error', async () => {
        const closing = await sandbox.open(spec);
        expect(await factory.listSessionIds(sandbox)).toContain(closing.id);
        await closing.close();
        await closing.close();
        expect(await factory.listSessionIds(sandbox)).not.toContain(closing.id);
        const error = await closing.exec('true').catch((caught: unknown) => caught);
        expect(SandboxError.isInstance(error)).toBe(true);
      }, 60_000);

      it('never reaps a live session as a leftover', async () => {
        await sandbox.reapLeftovers();
        expect(await factory.listSessionIds(sandbox)).toContain(session.id);
        expect((await session.exec('echo still here')).stdout).toBe('still here\n');
      });

      it('closing the sandbox closes its open sessions', async () => {
        const other = await factory.create();
        const opened = [await other.open(spec), await other.open(spec)];
        expect((await factory.listSessionIds(other)).sort()).toEqual(opened.map((each) => each.id).sort());
        await other.close();
        expect(await factory.listSessionIds(other)).toEqual([]);
      }, 60_000);

      it('fails clearly for an image that does not exist', async (context) => {
        if (!factory.missingImageSpec) context.skip();
        const error = await sandbox.open(factory.missingImageSpec!).catch((caught: unknown) => caught);
        expect(SandboxError.isInstance(error)).toBe(true);
        expect((error as Error).message).toContain(factory.missingImageSpec!.image);
      });
    });
  });
}
