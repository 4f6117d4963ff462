import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StorageError } from '../errors/capability-errors';
import type { IndexValue, StorageDriver, StorageDriverQuery, StorageDriverWrite } from '../storage/driver/storage-driver';
import type { InstanceLeaseState, LeaseDecision } from '../storage/v1/instance-leases';

export interface StorageDriverFactory {
  /** A fresh, empty driver. Called before every test. */
  create(): Promise<StorageDriver>;
  /** Removes what `create` made (files, emulator data). */
  destroy?(driver: StorageDriver): Promise<void>;
  /** A second, independent driver on the same data (a new connection or client); without it the suite uses `driver` itself. */
  reopen?(driver: StorageDriver): Promise<StorageDriver>;
}

const time = (second: number): string => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();

/** A work-state entry of the catalogue (key runId, instanceId, key; ordered by instanceId, key). */
const workState = (instanceId: string, key: string, body = `${instanceId}/${key}`, runId = 'run-1'): StorageDriverWrite => ({
  type: 'put',
  collection: 'workStates',
  fields: { runId, instanceId, key, updatedAt: time(1) },
  body,
});

/** A model-call entry of the catalogue, with the numbers a run summary sums. */
const modelCall = (index: number, more: Partial<Record<string, IndexValue>> = {}): StorageDriverWrite => ({
  type: 'put',
  collection: 'modelCalls',
  fields: {
    id: `call-${String(index).padStart(3, '0')}`,
    experimentId: 'exp-1',
    runId: 'run-1',
    instanceId: `i${index % 3}`,
    stage: index % 2 === 0 ? 'localize' : 'generate',
    model: 'model-a',
    status: index % 4 === 0 ? 'error' : 'ok',
    cacheHit: index % 5 === 0 ? 1 : 0,
    inputTokens: 10 + index,
    outputTokens: 5,
    cacheReadTokens: 0,
    cacheWriteTokens: 1,
    costUsd: 0.25,
    createdAt: time(index),
    ...more,
  },
  body: JSON.stringify({ index }),
});

const bodies = (entries: ReadonlyArray<{ body: string }>): string[] => entries.map((entry) => entry.body);

/** Every page of a driver query, `limit` at a time, following the order's values of each page's last entry. */
async function allPages(driver: StorageDriver, query: Omit<StorageDriverQuery, 'limit' | 'after'>, limit: number, sortOf: (body: string) => IndexValue[]): Promise<string[]> {
  const seen: string[] = [];
  let after: IndexValue[] | undefined;
  for (;;) {
    const page = await driver.query({ ...query, limit, ...(after ? { after } : {}) });
    seen.push(...bodies(page));
    if (page.length < limit) return seen;
    after = sortOf(page.at(-1)!.body);
  }
}

/**
 * The StorageDriver conformance suite: what a backend must do for `createSequenceStorage(driver)` to
 * be a correct SequenceStorage. Each driver runs it in a one-line test file, beside the SequenceStorage
 * suite over the same driver.
 */
export function runStorageDriverConformance(name: string, factory: StorageDriverFactory): void {
  describe(`StorageDriver conformance: ${name}`, () => {
    let driver: StorageDriver;
    const handles: StorageDriver[] = [];
    const reopen = async (): Promise<StorageDriver> => {
      if (!factory.reopen) return driver;
      const handle = await factory.reopen(driver);
      handles.push(handle);
      return handle;
    };

    beforeEach(async () => {
      driver = await factory.create();
    });
    afterEach(async () => {
      for (const handle of handles.splice(0)) await handle.close();
      await driver.close();
      await factory.destroy?.(driver);
    });

    it('declares itself', () => {
      expect(driver.specificationVersion).toBe('v1');
      expect(driver.name).toMatch(/^[a-z][a-z0-9-]*$/);
      expect(typeof driver.capabilities.multiProcess).toBe('boolean');
      expect(typeof driver.capabilities.persistent).toBe('boolean');
    });

    it('puts, gets and deletes by key; a put replaces the whole entry, a delete of a missing key does nothing', async () => {
      expect(await driver.get('workStates', ['run-1', 'a', 'k'])).toBeUndefined();
      await driver.write([workState('a', 'k', 'first')]);
      expect((await driver.get('workStates', ['run-1', 'a', 'k']))?.body).toBe('first');
      await driver.write([workState('a', 'k', 'second')]);
      expect((await driver.get('workStates', ['run-1', 'a', 'k']))?.body).toBe('second');
      expect(bodies(await driver.query({ collection: 'workStates', where: { runId: 'run-1' }, order: 'order', direction: 'asc', limit: 10 }))).toEqual(['second']);
      expect(await driver.get('workStates', ['run-1', 'a', 'other'])).toBeUndefined();
      expect(await driver.get('workStates', ['run-2', 'a', 'k'])).toBeUndefined();
      await driver.write([{ type: 'delete', collection: 'workStates', key: ['run-1', 'a', 'k'] }]);
      await driver.write([{ type: 'delete', collection: 'workStates', key: ['run-1', 'a', 'k'] }]);
      expect(await driver.get('workStates', ['run-1', 'a', 'k'])).toBeUndefined();
      expect(await driver.query({ collection: 'workStates', where: { runId: 'run-1' }, order: 'order', direction: 'asc', limit: 10 })).toEqual([]);
    });

    it('writes a batch across collections in order: the last write of a key wins', async () => {
      await driver.write([
        workState('a', 'k', 'one'),
        modelCall(1),
        workState('a', 'k', 'two'),
        workState('b', 'k', 'gone'),
        { type: 'delete', collection: 'workStates', key: ['run-1', 'b', 'k'] },
        modelCall(1, { model: 'model-b' }),
      ]);
      expect((await driver.get('workStates', ['run-1', 'a', 'k']))?.body).toBe('two');
      expect(await driver.get('workStates', ['run-1', 'b', 'k'])).toBeUndefined();
      expect(bodies(await driver.query({ collection: 'modelCalls', where: { model: 'model-b' }, order: 'order', direction: 'asc', limit: 10 }))).toEqual([
        JSON.stringify({ index: 1 }),
      ]);
      expect(await driver.query({ collection: 'modelCalls', where: { model: 'model-a' }, order: 'order', direction: 'asc', limit: 10 })).toEqual([]);
    });

    it('queries by equality filters in a named order, both directions, paging after a sort key without repeats or gaps', async () => {
      const ids = ['b', 'a', 'a-b', '\u00E9', '\uFF21', '\u{1F600}'];
      await driver.write([...ids.flatMap((id) => [workState(id, 'k1'), workState(id, 'k0')]), workState('a', 'k0', 'other run', 'run-2')]);
      const sortOf = (body: string): IndexValue[] => body.split('/');
      const ascending = await allPages(driver, { collection: 'workStates', where: { runId: 'run-1' }, order: 'order', direction: 'asc' }, 5, sortOf);
      // Code point order, not JavaScript's UTF-16 order (which puts the emoji before the full-width letter).
      const expected = ['a', 'a-b', 'b', '\u00E9', '\uFF21', '\u{1F600}'].flatMap((id) => [`${id}/k0`, `${id}/k1`]);
      expect(ascending).toEqual(expected);
      expect(await allPages(driver, { collection: 'workStates', where: { runId: 'run-1' }, order: 'order', direction: 'desc' }, 4, sortOf)).toEqual([...expected].reverse());
      expect(bodies(await driver.query({ collection: 'workStates', where: { runId: 'run-1', instanceId: 'b' }, order: 'order', direction: 'desc', limit: 10 }))).toEqual([
        'b/k1',
        'b/k0',
      ]);
      expect(bodies(await driver.query({ collection: 'workStates', where: { runId: 'run-2' }, order: 'order', direction: 'asc', limit: 1 }))).toEqual(['other run']);
      expect(bodies(await driver.query({ collection: 'workStates', where: { runId: 'run-1' }, order: 'order', direction: 'asc', limit: 2, after: ['b', 'k0'] }))).toEqual([
        'b/k1',
        '\u00E9/k0',
      ]);
    });

    it('orders numbers numerically and bounds the first field of the order by a half-open range', async () => {
      const stage = (sample: number, second: number): StorageDriverWrite => ({
        type: 'put',
        collection: 'stageResults',
        fields: { runId: 'run-1', instanceId: 'a', stage: 'generate', sample, status: 'ok', finishedAt: time(second) },
        body: String(sample),
      });
      await driver.write([stage(10, 30), stage(2, 40), stage(1, 35), stage(0, 50)]);
      expect(bodies(await driver.query({ collection: 'stageResults', where: { runId: 'run-1' }, order: 'order', direction: 'asc', limit: 10 }))).toEqual(['0', '1', '2', '10']);
      expect(
        bodies(
          await driver.query({ collection: 'stageResults', where: { runId: 'run-1' }, order: 'time', direction: 'asc', range: { since: time(30), until: time(50) }, limit: 10 }),
        ),
      ).toEqual(['10', '1', '2']);
      expect(
        bodies(await driver.query({ collection: 'stageResults', where: { runId: 'run-1' }, order: 'time', direction: 'desc', range: { since: time(36) }, limit: 10 })),
      ).toEqual(['0', '2']);
      expect(bodies(await driver.query({ collection: 'stageResults', where: { status: 'ok' }, order: 'order', direction: 'asc', limit: 2, after: ['a', 'generate', 1] }))).toEqual([
        '2',
        '10',
      ]);
    });

    it('counts and sums the entries matching equality filters', async () => {
      await driver.write(Array.from({ length: 12 }, (_, index) => modelCall(index)));
      const all = await driver.aggregate({ collection: 'modelCalls', where: { runId: 'run-1' }, sum: ['inputTokens', 'cacheHit', 'costUsd', 'cacheWriteTokens'] });
      expect(all.count).toBe(12);
      expect(all.sums).toEqual({ inputTokens: 12 * 10 + 66, cacheHit: 3, costUsd: 3, cacheWriteTokens: 12 });
      expect((await driver.aggregate({ collection: 'modelCalls', where: { runId: 'run-1', status: 'error' }, sum: [] })).count).toBe(3);
      expect((await driver.aggregate({ collection: 'modelCalls', where: { runId: 'run-1', stage: 'localize', status: 'ok' }, sum: [] })).count).toBe(3);
      expect(await driver.aggregate({ collection: 'modelCalls', where: { runId: 'run-2' }, sum: ['inputTokens'] })).toEqual({ count: 0, sums: { inputTokens: 0 } });
    });

    it('keeps bodies byte for byte, also several MiB of astral and combining characters', async () => {
      const big = `${'\u{1F600}'.repeat(300_000)}${'e\u0301'.repeat(300_000)}${'x'.repeat(1_200_000)}\u0000end`;
      await driver.write([workState('a', 'big', big), workState('a', 'small', '{}')]);
      expect((await driver.get('workStates', ['run-1', 'a', 'big']))?.body).toBe(big);
      expect(bodies(await driver.query({ collection: 'workStates', where: { runId: 'run-1' }, order: 'order', direction: 'asc', limit: 10 }))).toEqual([big, '{}']);
      await driver.write([workState('a', 'big', 'shrunk')]);
      expect((await driver.get('workStates', ['run-1', 'a', 'big']))?.body).toBe('shrunk');
      await driver.write([workState('a', 'big', big)]);
      expect((await driver.get('workStates', ['run-1', 'a', 'big']))?.body).toBe(big);
    });

    it('shows every write to a second handle on the same data', async () => {
      const second = await reopen();
      await driver.write([workState('a', 'k', 'from the first')]);
      expect((await second.get('workStates', ['run-1', 'a', 'k']))?.body).toBe('from the first');
      await second.write([workState('a', 'k', 'from the second')]);
      expect((await driver.get('workStates', ['run-1', 'a', 'k']))?.body).toBe('from the second');
    });

    it('updates a lease atomically: of concurrent take-if-free updates on separate handles exactly one takes it', async () => {
      if (!driver.leases) return;
      const key = { runId: 'run-1', instanceId: 'a' };
      expect(await driver.leases.read(key)).toBeUndefined();
      const contenders = [driver, ...(await Promise.all([reopen(), reopen(), reopen()]))];
      const takeIfFree =
        (holder: string) =>
        (current: InstanceLeaseState | undefined): LeaseDecision<boolean> =>
          current
            ? { answer: false }
            : {
                answer: true,
                next: { ...key, holder, token: `token-${holder}`, acquiredAt: time(0), expiresAt: time(60), generation: 1 },
              };
      const answers = await Promise.all(contenders.map((contender, index) => contender.leases!.update(key, takeIfFree(`p${index}`))));
      expect(answers.filter(Boolean)).toHaveLength(1);
      const winner = `p${answers.indexOf(true)}`;
      for (const contender of contenders) expect(await contender.leases!.read(key)).toMatchObject({ holder: winner, token: `token-${winner}`, generation: 1 });
      const released = await driver.leases.update(key, (current) => ({ answer: current?.holder, next: { ...current!, releasedAt: time(5) } }));
      expect(released).toBe(winner);
      expect(await driver.leases.read({ runId: 'run-1', instanceId: 'b' })).toBeUndefined();
      expect(await contenders.at(-1)!.leases!.read(key)).toMatchObject({ releasedAt: time(5) });
    });

    it('rejects every call once closed, with a StorageError naming the driver', async () => {
      const store = await factory.create();
      await store.write([workState('a', 'k')]);
      await store.close();
      for (const call of [
        () => store.get('workStates', ['run-1', 'a', 'k']),
        () => store.write([workState('a', 'k')]),
        () => store.query({ collection: 'workStates', where: {}, order: 'order', direction: 'asc', limit: 1 }),
        () => store.aggregate({ collection: 'workStates', where: {}, sum: [] }),
      ]) {
        const error = await call().catch((caught: unknown) => caught);
        expect(StorageError.isInstance(error)).toBe(true);
        expect((error as Error).message).toMatch(new RegExp(`^\\[${store.name}\\] .*closed`));
      }
      await factory.destroy?.(store);
    });
  });
}
