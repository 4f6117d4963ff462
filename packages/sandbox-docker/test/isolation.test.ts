import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describeWhenAvailable } from '@codemonkeys/protocol/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DockerSandbox } from '../src/index';
import { baseImage, dockerAvailability, openTestSandbox } from './support/docker-test-support';

// Linux capability numbers (linux/capability.h) that a sandbox must not have.
const forbiddenCapabilities = { CAP_NET_ADMIN: 12, CAP_NET_RAW: 13, CAP_SYS_MODULE: 16, CAP_SYS_PTRACE: 19, CAP_SYS_ADMIN: 21, CAP_MKNOD: 27 };
// Files Docker itself bind-mounts into every container (generated per container, not host content).
const dockerManagedMounts = ['/etc/resolv.conf', '/etc/hostname', '/etc/hosts', '/usr/sbin/docker-init', '/sbin/docker-init'];
const virtualFileSystems = new Set(['overlay', 'proc', 'tmpfs', 'devpts', 'sysfs', 'cgroup', 'cgroup2', 'mqueue', 'shm']);

describeWhenAvailable('Docker sandbox isolation (real containers)', await dockerAvailability(), () => {
  let sandbox: DockerSandbox;
  let finish: () => Promise<void>;

  beforeAll(async () => {
    ({ sandbox, finish } = await openTestSandbox({ labels: { 'codemonkeys.test': 'isolation' } }));
  });
  afterAll(async () => {
    await finish?.(); // asserts that no container of this sandbox is left
  }, 60_000);

  it('mounts nothing of the host and grants no privileges', async () => {
    const marker = path.join(os.tmpdir(), `codemonkeys-host-marker-${process.pid}-${Date.now()}`);
    fs.writeFileSync(marker, 'host only');
    const session = await sandbox.open({ image: baseImage, workdir: '/testbed' });
    try {
      const info = await sandbox.docker.getContainer(session.id).inspect();
      expect(info.Mounts).toEqual([]);
      expect(info.HostConfig.Binds ?? []).toEqual([]);
      expect(info.HostConfig.Privileged).toBe(false);
      expect(info.HostConfig.CapDrop).toEqual(['ALL']);
      expect(info.HostConfig.SecurityOpt).toContain('no-new-privileges');

      const inside = await session.exec(
        `cat /proc/mounts; echo ---; grep -E '^(CapEff|NoNewPrivs):' /proc/self/status; echo ---; ` +
          `for path in ${marker} /var/run/docker.sock /run/docker.sock ${os.homedir()}/.npmrc; do test -e "$path" && echo "visible $path"; done; true`,
      );
      const [mounts, status, visible] = inside.stdout.split('---\n');
      expect(visible?.trim()).toBe('');
      const hostBacked = mounts!
        .trim()
        .split('\n')
        .map((line) => line.split(' '))
        .filter(([, , type]) => !virtualFileSystems.has(type!))
        .map(([, mountPoint]) => mountPoint);
      for (const mountPoint of hostBacked) expect(dockerManagedMounts).toContain(mountPoint);
      expect(status).toMatch(/NoNewPrivs:\s+1/);
      const effective = BigInt(`0x${/CapEff:\s+([0-9a-f]+)/.exec(status!)![1]}`);
      for (const [name, bit] of Object.entries(forbiddenCapabilities)) expect({ name, held: (effective >> BigInt(bit)) & 1n }).toEqual({ name, held: 0n });
      // Root inside cannot load modules, mount or create devices.
      const attempts = await session.exec('mount -t tmpfs none /mnt 2>&1; echo "mount:$?"; mknod /tmp/device c 1 3 2>&1; echo "mknod:$?"');
      expect(attempts.stdout).toMatch(/mount:[1-9]/);
      expect(attempts.stdout).toMatch(/mknod:[1-9]/);
    } finally {
      await session.close();
      fs.rmSync(marker, { force: true });
    }
  }, 60_000);

  it('has no network: no interface but loopback, no route, no DNS, no host services', async () => {
    // A service on the host's loopback: inside, 127.0.0.1 is the container's own loopback.
    const server = net.createServer((socket) => socket.end('host service'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const session = await sandbox.open({ image: baseImage, workdir: '/testbed' });
    try {
      const info = await sandbox.docker.getContainer(session.id).inspect();
      expect(info.HostConfig.NetworkMode).toBe('none');
      expect(Object.keys(info.NetworkSettings.Networks ?? {}).filter((network) => network !== 'none')).toEqual([]);
      const probe = await session.exec(
        `python3 - <<'EOF'
import errno, json, socket
def connect(address):
    probe = socket.socket()
    probe.settimeout(3)
    try:
        probe.connect(address)
        return 'connected'
    except OSError as error:
        return errno.errorcode.get(error.errno, str(error))
routes = [line.split() for line in open('/proc/net/route').read().splitlines()[1:]]
interfaces = [line.split(':')[0].strip() for line in open('/proc/net/dev').read().splitlines()[2:]]
try:
    socket.getaddrinfo('codemonkeys-sandbox-probe.example', 443)
    dns = 'resolved'
except socket.gaierror as error:
    dns = f'failed: {error}'
# 192.0.2.1 is TEST-NET-1 (RFC 5737), reserved and never routed: the attempt cannot leave the sandbox.
print(json.dumps({'routes': routes, 'interfaces': interfaces, 'dns': dns, 'external': connect(('192.0.2.1', 443)),
                  'host_service': connect(('127.0.0.1', ${port}))}))
EOF`,
        { timeoutMs: 60_000 },
      );
      expect(probe.exitCode, probe.stderr).toBe(0);
      const result = JSON.parse(probe.stdout) as Record<string, unknown>;
      expect(result).toMatchObject({ routes: [], interfaces: ['lo'], external: 'ENETUNREACH', host_service: 'ECONNREFUSED' });
      expect(result.dns).toMatch(/^failed/);
    } finally {
      await session.close();
      server.close();
    }
  }, 60_000);

  it('contains a fork bomb with the pid limit; the session, the host and the test stay fine', async () => {
    const session = await sandbox.open({ image: baseImage, workdir: '/testbed', limits: { pids: 64 } });
    try {
      const limit = await session.exec('cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max');
      expect(limit.stdout.trim()).toBe('64');
      // Every process forks forever and retries when a fork is refused, so the tree stays at the limit
      // until the time limit kills it.
      const bomb = await session.exec(
        `python3 -c "
import os, time
while True:
    try:
        os.fork()
    except OSError:
        time.sleep(0.05)
"`,
        { timeoutMs: 4_000 },
      );
      expect(bomb.timedOut).toBe(true);
      const events = await session.exec('cat /sys/fs/cgroup/pids/pids.events 2>/dev/null || cat /sys/fs/cgroup/pids.events');
      expect(Number(/max (\d+)/.exec(events.stdout)?.[1])).toBeGreaterThan(0); // forks were refused at the limit
      const processes = await session.exec('ls -d /proc/[0-9]* | wc -l');
      expect(Number(processes.stdout.trim())).toBeLessThan(10); // the bomb is gone with its process group
      expect((await session.exec('echo still usable')).stdout).toBe('still usable\n');
      expect(spawnSync('true').status).toBe(0); // the host can still fork
    } finally {
      await session.close();
    }
  }, 90_000);

  it('kills a memory hog at the memory limit and reports it as out of memory', async () => {
    const memoryBytes = 96 * 1024 ** 2;
    const session = await sandbox.open({ image: baseImage, workdir: '/testbed', limits: { memoryBytes } });
    try {
      const limit = await session.exec('cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max');
      expect(Number(limit.stdout.trim())).toBe(memoryBytes);
      const hog = await session.exec(
        `python3 -c "
chunks = []
while True:
    chunks.append(b'x' * (16 << 20))
"`,
        { timeoutMs: 60_000 },
      );
      expect(hog).toMatchObject({ exitCode: 137, oomKilled: true, timedOut: false });
      // A child killed for memory counts too, even when its parent exits otherwise.
      const child = await session.exec(`python3 -c "b'x' * (512 << 20)"; echo "child exited $?"; exit 3`, { timeoutMs: 60_000 });
      expect(child).toMatchObject({ exitCode: 3, oomKilled: true });
      expect(child.stdout).toContain('child exited 137');
      const ordinaryFailure = await session.exec('exit 1');
      expect(ordinaryFailure).toMatchObject({ exitCode: 1, oomKilled: false });
      expect((await session.exec('python3 -c "print(sum(range(10)))"')).stdout).toBe('45\n');
    } finally {
      await session.close();
    }
  }, 120_000);
});
