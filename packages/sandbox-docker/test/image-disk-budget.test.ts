import { describeWhenAvailable } from '@codemonkeys/protocol/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { BudgetImage, DockerSandbox } from '../src/index';
import { packFiles } from '../src/tar-archives';
import { baseImage, dockerAvailability, openTestSandbox } from './support/docker-test-support';

const run = `${process.pid}-${Date.now()}`;
const repository = `codemonkeys-test/budget-${run}`;
const budgetLabel = 'codemonkeys.test.budget';
const megabyte = 1_000_000;
/** Layers are a file of random bytes plus a little file-system metadata. */
const slack = 64_000;

describeWhenAvailable('image disk budget (real daemon)', await dockerAvailability(), () => {
  let sandbox: DockerSandbox;
  let finish: () => Promise<void>;
  const made = new Set<string>();

  beforeAll(async () => {
    ({ sandbox, finish } = await openTestSandbox({ labels: { 'codemonkeys.test': 'image-disk-budget' } }));
  });
  afterAll(async () => {
    for (const tag of made)
      await sandbox?.docker
        .getImage(tag)
        .remove({ force: true })
        .catch(() => undefined);
    await finish?.();
    for (const tag of made) expect(await sandbox.images.exists(tag)).toBe(false);
    expect(await sandbox.images.exists(baseImage)).toBe(true);
  }, 120_000);

  // The name in the Dockerfile keeps the build cache from making two images one.
  const dockerfile = (name: string, megabytes: number, group: string): string =>
    `FROM ${baseImage}\nLABEL ${budgetLabel}="${run}-${group}" codemonkeys.test.name="${name}"\nRUN head -c ${megabytes * megabyte} /dev/urandom > /blob\n`;
  const selectGroup =
    (group: string) =>
    (image: BudgetImage): boolean =>
      image.labels[budgetLabel] === `${run}-${group}`;

  /** Builds through DockerImages: this process then counts the image as used. */
  const build = async (name: string, megabytes: number, group: string): Promise<string> => {
    const tag = `${repository}:${name}`;
    made.add(tag);
    await sandbox.images.build({ tag, dockerfile: dockerfile(name, megabytes, group) });
    return tag;
  };

  /** Builds straight through dockerode, as another process would: no use of it is known here. */
  const buildElsewhere = async (name: string, megabytes: number, group: string): Promise<string> => {
    const tag = `${repository}:${name}`;
    made.add(tag);
    const stream = await sandbox.docker.buildImage(packFiles([{ name: 'Dockerfile', content: dockerfile(name, megabytes, group) }]) as unknown as NodeJS.ReadableStream, {
      t: tag,
      rm: true,
    });
    await new Promise<void>((resolve, reject) =>
      sandbox.docker.modem.followProgress(stream, (error: Error | null, output: Array<{ error?: string }>) => {
        const failure = error?.message ?? output.find((line) => line.error)?.error;
        if (failure) reject(new Error(failure));
        else resolve();
      }),
    );
    return tag;
  };

  it('counts only the selected images, without the base layers they share, and removes the least recently used first', async () => {
    const [first, second, third] = [await build('first', 2, 'lru'), await build('second', 3, 'lru'), await build('third', 4, 'lru')];
    const unrelated = `${repository}:unrelated`;
    await sandbox.docker.getImage(baseImage).tag({ repo: repository, tag: 'unrelated' });
    made.add(unrelated);

    const usage = await sandbox.images.diskUsage(selectGroup('lru'));
    const bytesOf = (tag: string): number => usage.images.find((image) => image.tags.includes(tag))!.bytes;
    expect(usage.images.map((image) => image.tags[0]).sort()).toEqual([first, second, third].sort());
    for (const [tag, megabytes] of [
      [first, 2],
      [second, 3],
      [third, 4],
    ] as const) {
      expect(bytesOf(tag)).toBeGreaterThanOrEqual(megabytes * megabyte);
      expect(bytesOf(tag)).toBeLessThan(megabytes * megabyte + slack);
    }
    expect(usage.totalBytes).toBe(bytesOf(first) + bytesOf(second) + bytesOf(third));

    // Uses, oldest first: second, first, third.
    for (const tag of [second, first, third]) expect(await sandbox.images.exists(tag)).toBe(true);
    const lines: string[] = [];
    const result = await sandbox.images.enforceDiskBudget({
      maxBytes: bytesOf(first) + bytesOf(third) + slack,
      select: selectGroup('lru'),
      protectUsedWithinMs: 0,
      onLog: (line) => lines.push(line),
    });
    expect(result).toMatchObject({ bytesBefore: usage.totalBytes, bytesAfter: bytesOf(first) + bytesOf(third), withinBudget: true, failed: [] });
    expect(result.removed.map((image) => image.tags)).toEqual([[second]]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`removed ${second}`);
    expect(await sandbox.images.exists(second)).toBe(false);
    for (const tag of [first, third, unrelated, baseImage]) expect(await sandbox.images.exists(tag)).toBe(true);

    // Within budget: nothing is removed.
    const within = await sandbox.images.enforceDiskBudget({ maxBytes: 100 * megabyte, select: selectGroup('lru'), protectUsedWithinMs: 0 });
    expect(within).toMatchObject({ withinBudget: true, removed: [] });
  }, 300_000);

  it('never removes an image a container was made from, one it is told to keep, or one used very recently', async () => {
    const [kept, used] = [await build('kept', 1, 'protected'), await build('used', 2, 'protected')];
    const session = await sandbox.open({ image: used, workdir: '/' });
    try {
      // Everything selected is protected: the budget cannot be met, and says so.
      const lines: string[] = [];
      const blocked = await sandbox.images.enforceDiskBudget({
        maxBytes: 1,
        select: selectGroup('protected'),
        keep: [kept],
        protectUsedWithinMs: 0,
        onLog: (line) => lines.push(line),
      });
      expect(blocked).toMatchObject({ withinBudget: false, removed: [], failed: [] });
      expect(blocked.bytesAfter).toBe(blocked.bytesBefore);
      expect(lines.join('\n')).toMatch(/hold \d+ bytes, more than the budget of 1 bytes/);
    } finally {
      await session.close();
    }
    // Just used (built) by this process, with the default grace: kept as well.
    const recent = await sandbox.images.enforceDiskBudget({ maxBytes: 1, select: selectGroup('protected'), keep: [kept] });
    expect(recent).toMatchObject({ withinBudget: false, removed: [] });
    // No container, no grace: it goes; the kept one stays.
    const freed = await sandbox.images.enforceDiskBudget({ maxBytes: 1, select: selectGroup('protected'), keep: [kept], protectUsedWithinMs: 0 });
    expect(freed.removed.map((image) => image.tags)).toEqual([[used]]);
    expect(await sandbox.images.exists(used)).toBe(false);
    expect(await sandbox.images.exists(kept)).toBe(true);
  }, 300_000);

  it('orders images this process never used by their creation time, after none of those it used', async () => {
    const [older, middle, newer] = [await buildElsewhere('older', 1, 'created'), await buildElsewhere('middle', 1, 'created'), await buildElsewhere('newer', 1, 'created')];
    // A use now makes the oldest the most recently used.
    expect(await sandbox.images.exists(older)).toBe(true);
    const usage = await sandbox.images.diskUsage(selectGroup('created'));
    const bytesOf = (tag: string): number => usage.images.find((image) => image.tags.includes(tag))!.bytes;
    expect(usage.images.find((image) => image.tags.includes(middle))?.lastUsedAt).toBeUndefined();

    const result = await sandbox.images.enforceDiskBudget({ maxBytes: bytesOf(older) + slack, select: selectGroup('created'), protectUsedWithinMs: 0 });
    expect(result.removed.map((image) => image.tags)).toEqual([[middle], [newer]]);
    expect(result).toMatchObject({ withinBudget: true, bytesAfter: bytesOf(older) });
    expect(await sandbox.images.exists(older)).toBe(true);
  }, 300_000);
});
