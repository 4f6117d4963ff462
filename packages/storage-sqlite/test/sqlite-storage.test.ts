import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SchemaValidationError, StorageError } from '@codemonkeys/protocol';
import { sampleModelCall, sampleRun, sampleStageResult } from '@codemonkeys/protocol/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { appliedSqliteMigrations, createSqliteSequenceStorage, latestSqliteSchemaVersion, sqliteMigrations } from '../src/index';
import { makeTemporaryDirectory } from './temporary-directory';

const directories: string[] = [];
const newDatabasePath = (): string => {
  const directory = makeTemporaryDirectory();
  directories.push(directory);
  return path.join(directory, 'runs.db');
};
afterEach(() => {
  for (const directory of directories.splice(0)) fs.rmSync(directory, { recursive: true, force: true });
});

describe('schema migrations', () => {
  it('migrates a new file once and records each version', async () => {
    const databasePath = newDatabasePath();
    const storage = createSqliteSequenceStorage({ path: databasePath });
    const applied = appliedSqliteMigrations(storage.database);
    expect(applied.map((migration) => migration.version)).toEqual(sqliteMigrations.map((migration) => migration.version));
    expect(applied.at(-1)?.version).toBe(latestSqliteSchemaVersion);
    expect(storage.database.pragma('journal_mode', { simple: true })).toBe('wal');
    await storage.close();
    const again = createSqliteSequenceStorage({ path: databasePath });
    expect(appliedSqliteMigrations(again.database)).toEqual(applied);
    await again.close();
  });

  it('migrates a file of schema version 1 (before instance leases) and keeps its records', async () => {
    const databasePath = newDatabasePath();
    const raw = new Database(databasePath);
    raw.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)');
    raw.exec(sqliteMigrations[0]!.sql);
    raw.prepare('INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)').run(1, sqliteMigrations[0]!.description, '2026-01-01');
    raw.close();
    const old = createSqliteSequenceStorage({ path: databasePath });
    await old.putRun({
      id: 'run-1',
      experimentId: 'exp-1',
      hypers: {},
      status: 'running',
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
      metadata: {},
    });
    expect(appliedSqliteMigrations(old.database).map((migration) => migration.version)).toEqual([1, 2, 3]);
    const lease = await old.leases.acquire({ runId: 'run-1', instanceId: 'a', holder: 'p', durationMs: 60_000 });
    expect(lease.status).toBe('acquired');
    await old.close();
    const again = createSqliteSequenceStorage({ path: databasePath });
    expect((await again.getRun('run-1'))?.status).toBe('running');
    expect(await again.leases.inspect({ runId: 'run-1', instanceId: 'a' })).toMatchObject({ holder: 'p', generation: 1 });
    await again.close();
  });

  it('migrates a file of schema version 2 (before the run summary markers) and summarizes its stored runs as before', async () => {
    const databasePath = newDatabasePath();
    const raw = new Database(databasePath);
    raw.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)');
    for (const migration of sqliteMigrations.slice(0, 2)) {
      raw.exec(migration.sql);
      raw.prepare('INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)').run(migration.version, migration.description, '2026-01-01');
    }
    // Rows as the schema-2 storage wrote them: indexed columns plus the record's JSON.
    const insert = raw.prepare('INSERT INTO stage_results (run_id, instance_id, stage, sample, status, finished_at, body) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const results = [sampleStageResult('a', 'localize'), sampleStageResult('a', 'generate', 1, 'failed'), sampleStageResult('b', 'generate', 0, 'skipped')];
    for (const result of results) insert.run(result.runId, result.instanceId, result.stage, result.sample, result.status, result.finishedAt, JSON.stringify(result));
    raw.close();
    const storage = createSqliteSequenceStorage({ path: databasePath });
    expect(appliedSqliteMigrations(storage.database).map((migration) => migration.version)).toEqual([1, 2, 3]);
    const summary = await storage.summarizeRun('run-1');
    expect(summary.instances).toBe(2);
    expect(summary.stageResults).toEqual({
      total: 3,
      ok: 1,
      failed: 1,
      skipped: 1,
      byStage: { generate: { ok: 0, failed: 1, skipped: 1 }, localize: { ok: 1, failed: 0, skipped: 0 } },
    });
    expect((await storage.queryStageResults({ runId: 'run-1' })).items).toEqual([results[1], results[0], results[2]]);
    await storage.close();
  });

  it('refuses a database written by a newer schema, saying what to upgrade', async () => {
    const databasePath = newDatabasePath();
    await createSqliteSequenceStorage({ path: databasePath }).close();
    const raw = new Database(databasePath);
    raw.prepare('INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)').run(latestSqliteSchemaVersion + 1, 'from the future', '2030-01-01');
    raw.close();
    expect(() => createSqliteSequenceStorage({ path: databasePath })).toThrow(/newer than this @codemonkeys\/storage-sqlite knows.*upgrade/);
  });
});

describe('options and errors', () => {
  it('validates its options', () => {
    const error = (() => {
      try {
        createSqliteSequenceStorage({ path: newDatabasePath(), busyTimeoutMs: -1 });
      } catch (caught) {
        return caught;
      }
    })();
    expect(SchemaValidationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('busyTimeoutMs');
  });

  it('says clearly when a database that must exist does not', () => {
    const databasePath = newDatabasePath();
    expect(() => createSqliteSequenceStorage({ path: databasePath, mustExist: true })).toThrow(/Cannot open .*runs\.db/);
    expect(fs.existsSync(databasePath)).toBe(false);
  });

  it('reads through a read-only handle and refuses writes with a storage error', async () => {
    const databasePath = newDatabasePath();
    const writer = createSqliteSequenceStorage({ path: databasePath });
    await writer.putRun(sampleRun());
    const reader = createSqliteSequenceStorage({ path: databasePath, readonly: true });
    expect((await reader.getRun('run-1'))?.id).toBe('run-1');
    const error = await reader.putRun(sampleRun('run-2')).catch((caught: unknown) => caught);
    expect(StorageError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/^\[sqlite\] Cannot write 1 run record\(s\)/);
    await reader.close();
    await writer.close();
  });

  it('fails a write blocked past busyTimeoutMs with advice, and the retry succeeds once the lock is gone', async () => {
    const databasePath = newDatabasePath();
    const storage = createSqliteSequenceStorage({ path: databasePath, busyTimeoutMs: 50 });
    const other = new Database(databasePath);
    other.exec('BEGIN IMMEDIATE');
    const error = await storage.putModelCalls([sampleModelCall(1)]).catch((caught: unknown) => caught);
    expect(StorageError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('SQLITE_BUSY');
    expect((error as Error).message).toContain('raise busyTimeoutMs');
    other.exec('ROLLBACK');
    other.close();
    await storage.putModelCalls([sampleModelCall(1)]);
    expect((await storage.queryModelCalls({})).items).toHaveLength(1);
    await storage.close();
  });

  it('names a damaged record instead of returning garbage', async () => {
    const storage = createSqliteSequenceStorage({ path: newDatabasePath() });
    await storage.putModelCalls([sampleModelCall(1)]);
    storage.database.prepare(`UPDATE model_calls SET body = '{"id": "call-00001", "truncated'`).run();
    await expect(storage.queryModelCalls({})).rejects.toThrow(/stored modelCall record at model_calls\/.*call-00001 is not valid JSON/);
    storage.database.prepare(`UPDATE model_calls SET body = '{"id": "call-00001"}'`).run();
    await expect(storage.queryModelCalls({})).rejects.toThrow(/does not match its schema/);
    await storage.close();
  });

  it('works in memory for short-lived use', async () => {
    const storage = createSqliteSequenceStorage({ path: ':memory:' });
    expect(storage.capabilities).toEqual({ multiProcess: false, persistent: false });
    await storage.putModelCalls([sampleModelCall(1), sampleModelCall(2)]);
    expect((await storage.summarizeRun('run-1')).modelCalls.total).toBe(2);
    await storage.close();
  });
});
