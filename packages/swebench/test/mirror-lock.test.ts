import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodemonkeysError } from '@codemonkeys/protocol';
import { createRepositoryCache } from '../src/index';
import { lockMirror, mirrorLockPath, RepositoryLockError, withMirrorLock } from '../src/repository/mirror-lock';
import { createFixtureRepository, type FixtureRepository } from '../src/testing/index';

let fixture: FixtureRepository;
let directory: string;
beforeAll(async () => {
  fixture = await createFixtureRepository();
  directory = await fs.mkdtemp(path.join(os.tmpdir(), 'swebench-mirror-lock-'));
});
afterAll(async () => {
  await fixture.cleanup();
  await fs.rm(directory, { recursive: true, force: true });
});

describe('mirror lock', () => {
  it('runs the tasks of one process one at a time, holding a lock folder beside the mirror only while a task runs', async () => {
    const mirror = path.join(directory, 'serial', 'owner__name.git');
    let running = 0;
    let mostAtOnce = 0;
    const seenLocked: boolean[] = [];
    await Promise.all(
      Array.from({ length: 5 }, () =>
        withMirrorLock(mirror, { staleMs: 2_000 }, async () => {
          running++;
          mostAtOnce = Math.max(mostAtOnce, running);
          seenLocked.push((await fs.stat(mirrorLockPath(mirror))).isDirectory());
          await new Promise((resolve) => setTimeout(resolve, 10));
          running--;
        }),
      ),
    );
    expect(mostAtOnce).toBe(1);
    expect(seenLocked).toEqual([true, true, true, true, true]);
    await expect(fs.stat(mirrorLockPath(mirror))).rejects.toThrow(/ENOENT/);
    // A failing task releases the lock too.
    await expect(withMirrorLock(mirror, { staleMs: 2_000 }, () => Promise.reject(new Error('task failed')))).rejects.toThrow('task failed');
    await expect(fs.stat(mirrorLockPath(mirror))).rejects.toThrow(/ENOENT/);
  });

  it('fails with RepositoryLockError, naming the lock file and how to proceed, when another holder keeps the lock past lockTimeoutMs', async () => {
    const cacheDirectory = path.join(directory, 'held');
    const cache = createRepositoryCache({ directory: cacheDirectory, repositorySources: fixture.repositorySources, lockTimeoutMs: 300 });
    const mirror = path.join(cacheDirectory, 'mirrors', 'codemonkeys-fixtures__textkit.git');
    // A live holder (it keeps refreshing the lock) is never taken over, however long it holds it.
    const release = await lockMirror(mirror, { staleMs: 2_000 });
    try {
      const error = await cache.mirror(fixture.repo).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(RepositoryLockError.isInstance(error)).toBe(true);
      expect(CodemonkeysError.isInstance(error)).toBe(true);
      expect((error as Error).message).toContain(`Could not lock ${mirror}.lock: still held after 300 ms`);
      expect((error as Error).message).toMatch(/If no such process is running, remove .*lockTimeoutMs/);
    } finally {
      await release();
    }
    // Once released, the same cache goes on: a failed open is not remembered.
    expect(await cache.mirror(fixture.repo)).toBe(mirror);
    await cache.close();
  });
});
