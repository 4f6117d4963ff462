import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWhenAvailable } from '@codemonkeys/protocol/testkit';
import { SandboxError, type Sandbox, type SandboxSession, type SandboxSpec } from '@codemonkeys/protocol';
import { containersOf } from '@codemonkeys/sandbox-docker/testing';
import { createDockerSandbox, type DockerSandbox } from '@codemonkeys/sandbox-docker';
import { baseImageName, createInstanceSandboxPool } from '../src/index';
import { dockerAvailability } from './support/evaluation-docker';

// The instance pool's reset semantics over a real sandbox (moved here from the sandbox conformance suite
// with the pool itself: the pool is swebench's, any Sandbox can run under it).
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

/**
 * Everything in a directory that a reset must restore: each entry's type, content hash, executable bit
 * and symlink target, plus the workdir repository's HEAD, refs and status. The `.git` object store and
 * index file are left out: objects are immutable, and `git status` rewrites the index's stat cache.
 */
const workdirManifest = `python3 - "$PWD" <<'EOF'
import hashlib, os, stat, subprocess, sys
root = sys.argv[1]
lines = []
for directory, names, files in os.walk(root):
    names.sort()
    relative = os.path.relpath(directory, root)
    if relative == '.git/objects':
        names[:] = []
        continue
    for name in sorted(names + files):
        path = os.path.join(directory, name)
        entry = os.path.normpath(os.path.join(relative, name))
        if entry == '.git/index' or entry.startswith('.git/objects'):
            continue
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            lines.append(f'link {entry} -> {os.readlink(path)}')
        elif stat.S_ISDIR(info.st_mode):
            lines.append(f'dir {entry}')
        else:
            executable = 'x' if info.st_mode & 0o100 else '-'
            lines.append(f'file {entry} {executable} {hashlib.sha256(open(path, "rb").read()).hexdigest()}')
if os.path.isdir(os.path.join(root, '.git')):
    git = lambda *args: subprocess.run(['git', '-c', 'safe.directory=*', *args], cwd=root, capture_output=True, text=True).stdout
    lines.append('HEAD ' + git('rev-parse', 'HEAD').strip())
    lines.append('refs ' + git('for-each-ref', '--format=%(refname) %(objectname)').strip())
    lines.append('status ' + git('status', '--porcelain', '--ignored', '--untracked-files=all').strip())
print('\\n'.join(lines))
EOF`;

describeWhenAvailable('instance sandbox pool over Docker', await dockerAvailability(), () => {
  let sandbox: Sandbox;
  const spec: SandboxSpec = { image: baseImageName('bookworm'), workdir: '/testbed', env: { CODEMONKEYS_CONFORMANCE: 'from the spec' } };

  beforeAll(async () => {
    sandbox = await createDockerSandbox({ labels: { 'codemonkeys.test': 'instance-pool' } });
  }, 120_000);

  afterAll(async () => {
    await sandbox?.close();
  }, 120_000);

  describe('instance pool', () => {
    const prepare = async (prepared: SandboxSession): Promise<void> => {
      await prepared.putFiles([
        { path: 'src/app.py', content: 'def answer():\n    return 41\n' },
        { path: 'src/tool.sh', content: '#!/bin/sh\necho tool\n', mode: 0o755 },
        { path: 'README.md', content: '# fixture\n' },
        { path: '.gitignore', content: '*.log\nbuild/\n' },
        { path: 'data/kept.log', content: 'an ignored file that is part of the prepared state\n' },
        { path: 'crlf.txt', content: 'windows\r\nline endings\r\n' },
        { path: '.gitattributes', content: '* text=auto eol=lf\n' },
      ]);
      const result = await prepared.exec('mkdir -p empty/nested && ln -s src/app.py link.py');
      if (result.exitCode !== 0) throw new Error(result.stderr);
    };
    const mutate = [
      'printf "def answer():\\n    return 42\\n" > src/app.py',
      'rm README.md link.py',
      'chmod -x src/tool.sh',
      'printf new > untracked.txt && mkdir -p build/lib && printf o > build/lib/out.o && printf log > run.log',
      'printf changed > data/kept.log && printf unix > crlf.txt && rm -r empty',
      'mkdir -p /tmp/scratch && printf x > /tmp/scratch/file && printf y > /var/tmp/also',
      'git -c safe.directory="*" -c user.name=x -c user.email=x@x checkout -q -b candidate && git -c safe.directory="*" -c user.name=x -c user.email=x@x commit -q -am candidate',
      'git -c safe.directory="*" config user.name intruder && printf "#!/bin/sh\\n" > .git/hooks/pre-commit',
      '(setsid sleep 317 > /dev/null 2>&1 &) ; (sleep 318 > /dev/null 2>&1 &)',
    ].join(' && ');

    it('lends a session in the prepared state, and restores it exactly after any change', async () => {
      const pool = createInstanceSandboxPool({ instanceId: 'conformance__reset-1', sandbox, spec, prepare });
      try {
        const first = await pool.use(async (lent) => {
          const manifest = (await lent.exec(workdirManifest)).stdout;
          const changed = await lent.exec(mutate);
          expect(changed.exitCode, changed.stderr).toBe(0);
          expect((await lent.exec(workdirManifest)).stdout).not.toBe(manifest);
          return { id: lent.id, manifest };
        });
        expect(first.manifest).toContain('file src/tool.sh x');
        expect(first.manifest).toContain('file data/kept.log');
        expect(first.manifest).toContain('dir empty/nested');
        expect(first.manifest).toContain('link link.py -> src/app.py');
        expect(first.manifest).toMatch(/^HEAD [0-9a-f]{40}$/m);
        expect(first.manifest).toContain('refs refs/heads/main');
        expect(first.manifest).toMatch(/^status $/m);

        await pool.use(async (lent) => {
          expect(lent.id).toBe(first.id); // reused, not a new session
          expect((await lent.exec(workdirManifest)).stdout).toBe(first.manifest);
          expect((await lent.exec('ls -A /tmp /var/tmp')).stdout).toBe('/tmp:\n\n/var/tmp:\n');
          expect((await lent.exec(listProcesses)).stdout).not.toMatch(/sleep 31[78]/);
          expect((await lent.exec('git -c safe.directory="*" config user.name')).stdout).toBe('');
          expect(text(await lent.readFile('crlf.txt'))).toBe('windows\r\nline endings\r\n');
          // The workdir is a repository at the prepared state: a patch applies and shows in git diff.
          const applied = await lent.exec(
            'printf "%s\\n" "--- a/src/app.py" "+++ b/src/app.py" "@@ -1,2 +1,2 @@" " def answer():" "-    return 41" "+    return 42" | git apply - && git -c safe.directory="*" diff --stat',
          );
          expect(applied.stdout).toContain('src/app.py');
        });
        await pool.use(async (lent) => {
          expect((await lent.exec(workdirManifest)).stdout).toBe(first.manifest);
        });
        expect(pool.statistics).toMatchObject({ sessionsOpened: 1, replacements: 0, uses: 3 });
        expect(pool.statistics.resets).toBeGreaterThanOrEqual(2); // the third may still be running
      } finally {
        await pool.close();
      }
    }, 180_000);

    it('restores the repository even after .git is deleted, and replaces a session whose snapshot is destroyed', async () => {
      const pool = createInstanceSandboxPool({ instanceId: 'conformance__reset-2', sandbox, spec, prepare, snapshotDirectory: '/var/lib/conformance-snapshot' });
      try {
        const manifest = await pool.use(async (lent) => {
          const before = (await lent.exec(workdirManifest)).stdout;
          await lent.exec('rm -rf .git src');
          return before;
        });
        const secondId = await pool.use(async (lent) => {
          expect((await lent.exec(workdirManifest)).stdout).toBe(manifest);
          await lent.exec('rm -rf /var/lib/conformance-snapshot');
          return lent.id;
        });
        await pool.use(async (lent) => {
          expect(lent.id).not.toBe(secondId);
          expect((await lent.exec(workdirManifest)).stdout).toBe(manifest);
        });
        expect(pool.statistics).toMatchObject({ sessionsOpened: 2, replacements: 1 });
        expect(pool.statistics.lastResetFailure).toMatch(/snapshot/);
        expect(await containersOf(sandbox as DockerSandbox)).not.toContain(secondId);
      } finally {
        await pool.close();
      }
    }, 180_000);

    it('bounds its sessions, resets each between users, and closes them all', async () => {
      const pool = createInstanceSandboxPool({ instanceId: 'conformance__bounded', sandbox, spec, prepare, maxSessions: 2 });
      let active = 0;
      let mostActive = 0;
      let started = 0;
      const ids = new Set<string>();
      const before = new Set(await containersOf(sandbox as DockerSandbox));
      try {
        const seen = await Promise.all(
          [0, 1, 2, 3, 4].map((index) =>
            pool.use(async (lent) => {
              active += 1;
              started += 1;
              mostActive = Math.max(mostActive, active);
              // The first two users wait for each other: a pool of two must serve them at once.
              for (let waited = 0; started <= 2 && active < 2 && waited < 200; waited += 1) await new Promise((resolve) => setTimeout(resolve, 100));
              mostActive = Math.max(mostActive, active);
              ids.add(lent.id);
              const leftover = (await lent.exec('ls marker-* 2>/dev/null; true')).stdout.trim();
              await lent.exec(`printf ${index} > marker-${index}; sleep 0.3`);
              active -= 1;
              return leftover;
            }),
          ),
        );
        expect(seen).toEqual(['', '', '', '', '']);
        expect(mostActive).toBe(2);
        expect(ids.size).toBe(2);
        expect(pool.statistics).toMatchObject({ sessionsOpened: 2, replacements: 0, uses: 5 });
        expect(pool.statistics.resets).toBeGreaterThanOrEqual(3);
        const during = await containersOf(sandbox as DockerSandbox);
        for (const id of ids) expect(during).toContain(id);
        await expect(pool.use(async () => 'an error from the callback')).resolves.toBe('an error from the callback');
        await expect(
          pool.use(async () => {
            throw new Error('callback failed');
          }),
        ).rejects.toThrow('callback failed');
      } finally {
        await pool.close();
      }
      const after = await containersOf(sandbox as DockerSandbox);
      for (const id of ids) expect(after).not.toContain(id);
      expect(after.filter((id) => !before.has(id))).toEqual([]);
      const refused = await pool.use(async () => 'never').catch((error: unknown) => error);
      expect(SandboxError.isInstance(refused)).toBe(true);
    }, 180_000);
  });

  it('a single-use pool closes each session after its use: no snapshot, no reset, and the next use starts prepared', async () => {
    const pool = createInstanceSandboxPool({
      instanceId: 'conformance__single-use',
      sandbox,
      spec,
      createRepository: false,
      singleUse: true,
      prepare: async (session) => {
        await session.exec('mkdir -p /testbed && printf prepared > /testbed/state');
      },
    });
    const before = new Set(await containersOf(sandbox as DockerSandbox));
    const ids: string[] = [];
    try {
      for (const index of [0, 1, 2]) {
        const seen = await pool.use(async (lent) => {
          ids.push(lent.id);
          const state = (await lent.exec('cat /testbed/state; ls /var/lib/codemonkeys-sandbox 2>/dev/null; true')).stdout.trim();
          await lent.exec(`printf used-${index} > /testbed/state`);
          return state;
        });
        expect(seen).toBe('prepared');
      }
      expect(new Set(ids).size).toBe(3);
      expect(pool.statistics).toMatchObject({ sessionsOpened: 3, resets: 0, replacements: 0, uses: 3 });
    } finally {
      await pool.close();
    }
    // Each session was closed after its use (closing is asynchronous: wait for the daemon to remove them).
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const left = (await containersOf(sandbox as DockerSandbox)).filter((id) => !before.has(id));
      if (left.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect((await containersOf(sandbox as DockerSandbox)).filter((id) => !before.has(id))).toEqual([]);
  }, 180_000);

  it('the instance pool replaces a session whose container was killed', async () => {
    const pool = createInstanceSandboxPool({
      instanceId: 'fixture__killed-1',
      sandbox,
      spec: { image: baseImageName('bookworm'), workdir: '/testbed' },
      prepare: (session) => session.putFiles([{ path: 'module.py', content: 'VALUE = 1\n' }]),
    });
    try {
      const firstId = await pool.use(async (session) => {
        await (sandbox as DockerSandbox).docker.getContainer(session.id).kill();
        return session.id;
      });
      const value = await pool.use(async (session) => {
        expect(session.id).not.toBe(firstId);
        return (await session.exec('python3 -c "import module; print(module.VALUE)"')).stdout;
      });
      expect(value).toBe('1\n');
      expect(pool.statistics).toMatchObject({ sessionsOpened: 2, replacements: 1 });
    } finally {
      await pool.close();
    }
  }, 60_000);
});
