import Database from 'better-sqlite3';
import {
  CodemonkeysError,
  StorageError,
  createSequenceWriter,
  createStorageRecordCodec,
  encodeCursor,
  exportRunRecords,
  importExportRecords,
  resolvePageRequest,
  emptyRunSummary,
  roundCostUsd,
  type CacheEntry,
  type ExperimentRecord,
  type ExportRecord,
  type MessageLogQuery,
  type MessageLogRecord,
  type ModelCallQuery,
  type ModelCallRecord,
  type Page,
  type PageRequest,
  type RewardQuery,
  type RewardRecord,
  type RunQuery,
  type RunRecord,
  type RunSummary,
  type SequenceStorage,
  type SequenceWriter,
  type StageKey,
  type StageResultQuery,
  type StageResultRecord,
  type StorageCapabilities,
  createInstanceLeases,
  decodeInstanceLeaseState,
  type InstanceLeases,
  type InstanceLeaseState,
  type StorageRecordCodec,
  type StorageRecordKind,
  type StorageRecordOf,
  type WorkStateQuery,
  type WorkStateRecord,
} from '@codemonkeys/protocol';
import { migrateSqliteSchema } from './sqlite-migrations';
import { parseSqliteStorageOptions, type SqliteSequenceStorageOptions } from './sqlite-storage-options';

type SqlValue = string | number | null;

/** How one record kind maps to its table: key columns (the upsert conflict target) and indexed copies. */
interface TableSpec<K extends StorageRecordKind> {
  table: string;
  key: readonly string[];
  columns: readonly string[];
  values(record: StorageRecordOf<K>): SqlValue[];
}

const tables = {
  experiment: { table: 'experiments', key: ['id'], columns: ['id', 'created_at'], values: (record) => [record.id, record.createdAt] },
  run: {
    table: 'runs',
    key: ['id'],
    columns: ['id', 'experiment_id', 'status', 'created_at'],
    values: (record) => [record.id, record.experimentId, record.status, record.createdAt],
  },
  stageResult: {
    table: 'stage_results',
    key: ['run_id', 'instance_id', 'stage', 'sample'],
    columns: ['run_id', 'instance_id', 'stage', 'sample', 'status', 'finished_at'],
    values: (record) => [record.runId, record.instanceId, record.stage, record.sample, record.status, record.finishedAt],
  },
  reward: {
    table: 'rewards',
    key: ['run_id', 'instance_id', 'stage', 'sample', 'name'],
    columns: ['run_id', 'instance_id', 'stage', 'sample', 'name'],
    values: (record) => [record.runId, record.instanceId, record.stage, record.sample, record.name],
  },
  messageLog: {
    table: 'message_logs',
    key: ['run_id', 'instance_id', 'stage', 'sample'],
    columns: ['run_id', 'instance_id', 'stage', 'sample'],
    values: (record) => [record.runId, record.instanceId, record.stage, record.sample],
  },
  modelCall: {
    table: 'model_calls',
    key: ['id'],
    columns: [
      'id',
      'experiment_id',
      'run_id',
      'instance_id',
      'stage',
      'model',
      'status',
      'cache_hit',
      'input_tokens',
      'output_tokens',
      'cache_read_tokens',
      'cache_write_tokens',
      'cost_usd',
      'created_at',
    ],
    values: (record) => [
      record.id,
      record.experimentId ?? null,
      record.runId ?? null,
      record.instanceId ?? null,
      record.stage ?? null,
      record.model,
      record.status,
      record.cacheHit ? 1 : 0,
      record.usage.inputTokens,
      record.usage.outputTokens,
      record.usage.cacheReadTokens,
      record.usage.cacheWriteTokens,
      record.costUsd,
      record.createdAt,
    ],
  },
  cacheEntry: { table: 'cache_entries', key: ['key'], columns: ['key', 'created_at'], values: (record) => [record.key, record.createdAt] },
  workState: {
    table: 'work_states',
    key: ['run_id', 'instance_id', 'key'],
    columns: ['run_id', 'instance_id', 'key', 'updated_at'],
    values: (record) => [record.runId, record.instanceId, record.key, record.updatedAt],
  },
} satisfies { [K in StorageRecordKind]: TableSpec<K> };

/** A keyset-paginated SELECT: equality filters, half-open ranges, and the sort columns (which end in a unique key). */
interface KeysetQuery {
  kind: StorageRecordKind;
  equal: ReadonlyArray<readonly [column: string, value: SqlValue | undefined]>;
  ranges?: ReadonlyArray<readonly [column: string, operator: '>=' | '<', value: string | undefined]>;
  sort: ReadonlyArray<{ column: string; type: 'string' | 'number' }>;
  page: PageRequest;
}

/**
 * SequenceStorage on one SQLite file (better-sqlite3): WAL journal, prepared statements, one IMMEDIATE
 * transaction per batch write, a busy timeout so that several processes can share the file, and
 * versioned migrations. Calls are synchronous underneath; the Promise API matches the other backends.
 */
export class SqliteSequenceStorage implements SequenceStorage {
  readonly specificationVersion = 'v1' as const;
  readonly name = 'sqlite';
  readonly capabilities: StorageCapabilities;
  /** The database file (or `:memory:`). */
  readonly path: string;

  private readonly handle: Database.Database;
  private readonly codec: StorageRecordCodec;
  private readonly statements = new Map<string, Database.Statement>();
  private closed = false;
  /**
   * One writer per (run, instance): each acquire, renewal and release is one IMMEDIATE transaction
   * (read the lease row, decide, write it) holding the database's write lock, so two processes on one
   * file never both take a lease.
   */
  readonly leases: InstanceLeases;

  constructor(options: SqliteSequenceStorageOptions) {
    const settings = parseSqliteStorageOptions(options);
    this.path = settings.path;
    this.codec = createStorageRecordCodec({ backend: this.name, ...(options.redaction ? { redaction: options.redaction } : {}) });
    const inMemory = settings.path === ':memory:';
    this.capabilities = { multiProcess: !inMemory, persistent: !inMemory };
    try {
      this.handle = new Database(settings.path, { readonly: settings.readonly, fileMustExist: settings.mustExist || settings.readonly, timeout: settings.busyTimeoutMs });
    } catch (error) {
      throw this.failure(
        `Cannot open ${settings.path}`,
        error,
        settings.mustExist ? 'Check the path, or create the database by writing to it first (e.g. `codemonkeys run`).' : 'Check that the directory exists and is writable.',
      );
    }
    try {
      this.handle.pragma(`busy_timeout = ${settings.busyTimeoutMs}`);
      if (!inMemory && !settings.readonly) this.handle.pragma('journal_mode = WAL');
      // NORMAL in WAL mode: a committed transaction survives a crash of the process (the kill test shows
      // it); only an OS crash or power loss can roll back the last commits. FULL also syncs every commit.
      this.handle.pragma(`synchronous = ${settings.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
      migrateSqliteSchema(this.handle, settings.path);
    } catch (error) {
      this.handle.close();
      if (CodemonkeysError.isInstance(error)) throw error;
      throw this.failure(`Cannot prepare ${settings.path}`, error);
    }
    this.leases = createInstanceLeases(
      {
        update: async (key, decide) =>
          this.guard(`update the lease of ${key.runId}/${key.instanceId}`, () =>
            this.handle
              .transaction(() => {
                const { answer, next } = decide(this.readLease(key));
                if (next) {
                  this.statement(
                    'INSERT INTO instance_leases (run_id, instance_id, body) VALUES (?, ?, ?) ON CONFLICT (run_id, instance_id) DO UPDATE SET body = excluded.body',
                  ).run(key.runId, key.instanceId, JSON.stringify(next));
                }
                return answer;
              })
              .immediate(),
          ),
        read: async (key) => this.guard(`read the lease of ${key.runId}/${key.instanceId}`, () => this.readLease(key)),
      },
      { backend: this.name, ...(options.clock ? { clock: options.clock } : {}) },
    );
  }

  private readLease(key: { runId: string; instanceId: string }): InstanceLeaseState | undefined {
    const row = this.statement('SELECT body FROM instance_leases WHERE run_id = ? AND instance_id = ?').get(key.runId, key.instanceId) as { body: string } | undefined;
    if (!row) return undefined;
    const location = `instance_leases/${key.runId}/${key.instanceId}`;
    let value: unknown;
    try {
      value = JSON.parse(row.body);
    } catch (error) {
      throw new StorageError({ backend: this.name, message: `The stored instance lease at ${location} is not valid JSON; delete that row to free the instance.`, cause: error });
    }
    return decodeInstanceLeaseState(value, this.name, location);
  }

  /** The underlying better-sqlite3 connection, for inspection and tests. Writing through it bypasses validation and redaction. */
  get database(): Database.Database {
    return this.handle;
  }

  async putExperiment(record: ExperimentRecord): Promise<void> {
    this.write('experiment', [record]);
  }
  async getExperiment(id: string): Promise<ExperimentRecord | undefined> {
    return this.readOne('experiment', 'SELECT body FROM experiments WHERE id = ?', [id], `experiments/${id}`);
  }
  async listExperiments(): Promise<ExperimentRecord[]> {
    return this.guard('list experiments', () =>
      (this.statement('SELECT id, body FROM experiments ORDER BY created_at, id').all() as Array<{ id: string; body: string }>).map((row) =>
        this.codec.decode('experiment', row.body, `experiments/${row.id}`),
      ),
    );
  }

  async putRun(record: RunRecord): Promise<void> {
    this.write('run', [record]);
  }
  async getRun(id: string): Promise<RunRecord | undefined> {
    return this.readOne('run', 'SELECT body FROM runs WHERE id = ?', [id], `runs/${id}`);
  }
  async queryRuns(query: RunQuery = {}): Promise<Page<RunRecord>> {
    return this.keyset<'run'>({
      kind: 'run',
      equal: [
        ['experiment_id', query.experimentId],
        ['status', query.status],
      ],
      ranges: [
        ['created_at', '>=', query.since],
        ['created_at', '<', query.until],
      ],
      sort: [
        { column: 'created_at', type: 'string' },
        { column: 'id', type: 'string' },
      ],
      page: query,
    });
  }

  async putStageResults(records: readonly StageResultRecord[]): Promise<void> {
    this.write('stageResult', records);
  }
  async getStageResult(key: StageKey): Promise<StageResultRecord | undefined> {
    const sample = key.sample ?? 0;
    return this.readOne(
      'stageResult',
      'SELECT body FROM stage_results WHERE run_id = ? AND instance_id = ? AND stage = ? AND sample = ?',
      [key.runId, key.instanceId, key.stage, sample],
      `stage_results/${key.runId}/${key.instanceId}/${key.stage}/${sample}`,
    );
  }
  async queryStageResults(query: StageResultQuery): Promise<Page<StageResultRecord>> {
    const byTime = query.since !== undefined || query.until !== undefined;
    const keyColumns = [
      { column: 'instance_id', type: 'string' },
      { column: 'stage', type: 'string' },
      { column: 'sample', type: 'number' },
    ] as const;
    return this.keyset<'stageResult'>({
      kind: 'stageResult',
      equal: [
        ['run_id', query.runId],
        ['instance_id', query.instanceId],
        ['stage', query.stage],
        ['status', query.status],
      ],
      ranges: [
        ['finished_at', '>=', query.since],
        ['finished_at', '<', query.until],
      ],
      sort: byTime ? [{ column: 'finished_at', type: 'string' }, ...keyColumns] : keyColumns,
      page: query,
    });
  }

  async putRewards(records: readonly RewardRecord[]): Promise<void> {
    this.write('reward', records);
  }
  async queryRewards(query: RewardQuery): Promise<Page<RewardRecord>> {
    return this.keyset<'reward'>({
      kind: 'reward',
      equal: [
        ['run_id', query.runId],
        ['instance_id', query.instanceId],
        ['stage', query.stage],
        ['name', query.name],
      ],
      sort: [
        { column: 'instance_id', type: 'string' },
        { column: 'stage', type: 'string' },
        { column: 'sample', type: 'number' },
        { column: 'name', type: 'string' },
      ],
      page: query,
    });
  }

  async putMessageLogs(records: readonly MessageLogRecord[]): Promise<void> {
    this.write('messageLog', records);
  }
  async queryMessageLogs(query: MessageLogQuery): Promise<Page<MessageLogRecord>> {
    return this.keyset<'messageLog'>({
      kind: 'messageLog',
      equal: [
        ['run_id', query.runId],
        ['instance_id', query.instanceId],
        ['stage', query.stage],
      ],
      sort: [
        { column: 'instance_id', type: 'string' },
        { column: 'stage', type: 'string' },
        { column: 'sample', type: 'number' },
      ],
      page: query,
    });
  }

  async putModelCalls(records: readonly ModelCallRecord[]): Promise<void> {
    this.write('modelCall', records);
  }
  async queryModelCalls(query: ModelCallQuery): Promise<Page<ModelCallRecord>> {
    return this.keyset<'modelCall'>({
      kind: 'modelCall',
      equal: [
        ['experiment_id', query.experimentId],
        ['run_id', query.runId],
        ['instance_id', query.instanceId],
        ['stage', query.stage],
        ['model', query.model],
        ['status', query.status],
      ],
      ranges: [
        ['created_at', '>=', query.since],
        ['created_at', '<', query.until],
      ],
      sort: [
        { column: 'created_at', type: 'string' },
        { column: 'id', type: 'string' },
      ],
      page: query,
    });
  }

  async getCacheEntry(key: string): Promise<CacheEntry | undefined> {
    return this.readOne('cacheEntry', 'SELECT body FROM cache_entries WHERE key = ?', [key], `cache_entries/${key}`);
  }
  async putCacheEntries(entries: readonly CacheEntry[]): Promise<void> {
    this.write('cacheEntry', entries);
  }

  async getWorkState(runId: string, instanceId: string, key: string): Promise<WorkStateRecord | undefined> {
    return this.readOne(
      'workState',
      'SELECT body FROM work_states WHERE run_id = ? AND instance_id = ? AND key = ?',
      [runId, instanceId, key],
      `work_states/${runId}/${instanceId}/${key}`,
    );
  }
  async putWorkState(record: WorkStateRecord): Promise<void> {
    this.write('workState', [record]);
  }
  async queryWorkStates(query: WorkStateQuery): Promise<Page<WorkStateRecord>> {
    return this.keyset<'workState'>({
      kind: 'workState',
      equal: [
        ['run_id', query.runId],
        ['instance_id', query.instanceId],
      ],
      sort: [
        { column: 'instance_id', type: 'string' },
        { column: 'key', type: 'string' },
      ],
      page: query,
    });
  }

  /** Three aggregate queries over indexes (the model-call totals from a covering index): no record body is read. */
  async summarizeRun(runId: string): Promise<RunSummary> {
    return this.guard(`summarize run ${runId}`, () => {
      const summary = emptyRunSummary(runId);
      const counts = this.statement('SELECT stage, status, count(*) AS count FROM stage_results WHERE run_id = ? GROUP BY stage, status').all(runId) as Array<{
        stage: string;
        status: 'ok' | 'failed' | 'skipped';
        count: number;
      }>;
      for (const row of counts) {
        const stage = (summary.stageResults.byStage[row.stage] ??= { ok: 0, failed: 0, skipped: 0 });
        stage[row.status] += row.count;
        summary.stageResults[row.status] += row.count;
        summary.stageResults.total += row.count;
      }
      summary.instances = (this.statement('SELECT count(DISTINCT instance_id) AS count FROM stage_results WHERE run_id = ?').get(runId) as { count: number }).count;
      const totals = this.statement(
        `SELECT count(*) AS total, total(status = 'error') AS errors, total(cache_hit) AS cacheHits,
                total(input_tokens) AS inputTokens, total(output_tokens) AS outputTokens,
                total(cache_read_tokens) AS cacheReadTokens, total(cache_write_tokens) AS cacheWriteTokens, total(cost_usd) AS costUsd
         FROM model_calls INDEXED BY model_calls_run_totals WHERE run_id = ?`,
      ).get(runId) as Record<'total' | 'errors' | 'cacheHits' | 'inputTokens' | 'outputTokens' | 'cacheReadTokens' | 'cacheWriteTokens' | 'costUsd', number>;
      summary.modelCalls = { total: totals.total, errors: totals.errors, cacheHits: totals.cacheHits };
      summary.usage = {
        inputTokens: totals.inputTokens,
        outputTokens: totals.outputTokens,
        cacheReadTokens: totals.cacheReadTokens,
        cacheWriteTokens: totals.cacheWriteTokens,
      };
      summary.costUsd = roundCostUsd(totals.costUsd);
      return summary;
    });
  }

  exportRun(runId: string): AsyncIterable<ExportRecord> {
    return exportRunRecords(this, runId);
  }
  importRecords(records: AsyncIterable<ExportRecord> | Iterable<ExportRecord>): Promise<number> {
    return importExportRecords(this, records);
  }
  writer(instanceId: string, labels?: { runId?: string; stage?: string; sample?: number }): SequenceWriter {
    return createSequenceWriter(this, instanceId, labels);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.statements.clear();
    try {
      // SQLite's advice for connections that come and go: refresh the planner's statistics on close, so
      // that the next connection picks the most selective index for a filtered query.
      if (!this.handle.readonly) this.handle.pragma('optimize');
    } catch {
      // Statistics are an optimisation; a busy database is not a reason to fail closing.
    }
    this.handle.close();
  }

  /** Validates and redacts every record first (nothing is written if one is invalid), then upserts all in one transaction. */
  private write<K extends StorageRecordKind>(kind: K, records: readonly unknown[]): void {
    this.assertOpen();
    if (records.length === 0) return;
    const spec = tables[kind] as unknown as TableSpec<K>;
    const rows = records.map((record) => {
      const { record: prepared, text } = this.codec.encode(kind, record);
      return [...spec.values(prepared), text];
    });
    const columns = [...spec.columns, 'body'];
    const updates = columns.filter((column) => !spec.key.includes(column)).map((column) => `${column} = excluded.${column}`);
    const upsert = this.statement(
      `INSERT INTO ${spec.table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ` +
        `ON CONFLICT (${spec.key.join(', ')}) DO UPDATE SET ${updates.join(', ')}`,
    );
    this.guard(`write ${records.length} ${kind} record(s)`, () => {
      // IMMEDIATE takes the write lock up front, so a writer never has to upgrade a read lock (which can fail with SQLITE_BUSY at once).
      this.handle
        .transaction((batch: SqlValue[][]) => {
          for (const row of batch) upsert.run(row);
        })
        .immediate(rows);
    });
  }

  private readOne<K extends StorageRecordKind>(kind: K, sql: string, parameters: SqlValue[], location: string): StorageRecordOf<K> | undefined {
    return this.guard(`read ${location}`, () => {
      const row = this.statement(sql).get(parameters) as { body: string } | undefined;
      return row && this.codec.decode(kind, row.body, location);
    });
  }

  private keyset<K extends StorageRecordKind>(query: KeysetQuery): Page<StorageRecordOf<K>> {
    this.assertOpen();
    const table = tables[query.kind].table;
    // Cursors name their table and sort columns, so that one query's cursor is refused by another.
    const cursorTag = `${table}(${query.sort.map((column) => column.column).join(',')})`;
    const page = resolvePageRequest(query.page, ['string', ...query.sort.map((column) => column.type)]);
    if (page.after && page.after[0] !== cursorTag) {
      throw new CodemonkeysError(`Invalid page cursor "${query.page.cursor}": pass the nextCursor of a previous page of the same query.`);
    }
    const conditions: string[] = [];
    const parameters: SqlValue[] = [];
    for (const [column, value] of query.equal) {
      if (value === undefined) continue;
      conditions.push(`${column} = ?`);
      parameters.push(value);
    }
    for (const [column, operator, value] of query.ranges ?? []) {
      if (value === undefined) continue;
      conditions.push(`${column} ${operator} ?`);
      parameters.push(value);
    }
    const direction = page.order === 'desc' ? 'DESC' : 'ASC';
    const sortColumns = query.sort.map((column) => column.column);
    if (page.after) {
      // Row-value comparison: SQLite turns it into a range scan of the index on these columns.
      conditions.push(`(${sortColumns.join(', ')}) ${page.order === 'desc' ? '<' : '>'} (${sortColumns.map(() => '?').join(', ')})`);
      parameters.push(...(page.after.slice(1) as SqlValue[]));
    }
    const sql =
      `SELECT body, ${sortColumns.join(', ')} FROM ${table}` +
      (conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '') +
      ` ORDER BY ${sortColumns.map((column) => `${column} ${direction}`).join(', ')} LIMIT ?`;
    return this.guard(`query ${table}`, () => {
      const rows = this.statement(sql).all([...parameters, page.limit + 1]) as Array<Record<string, SqlValue>>;
      const items = rows.slice(0, page.limit);
      const last = items.at(-1);
      return {
        items: items.map((row) => this.codec.decode(query.kind as K, row.body as string, `${table}/${sortColumns.map((column) => row[column]).join('/')}`)),
        ...(rows.length > page.limit && last ? { nextCursor: encodeCursor([cursorTag, ...sortColumns.map((column) => last[column])]) } : {}),
      };
    });
  }

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.handle.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private guard<T>(action: string, run: () => T): T {
    this.assertOpen();
    try {
      return run();
    } catch (error) {
      if (CodemonkeysError.isInstance(error)) throw error;
      throw this.failure(`Cannot ${action} in ${this.path}`, error);
    }
  }

  private failure(message: string, error: unknown, hint?: string): StorageError {
    const code = (error as { code?: string }).code;
    const advice =
      hint ??
      (code === 'SQLITE_BUSY'
        ? 'Another process held the database lock longer than busyTimeoutMs; raise busyTimeoutMs or write in smaller batches, then retry (writes are idempotent).'
        : code === 'SQLITE_FULL'
          ? 'The disk is full; free space and retry (writes are idempotent).'
          : code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB'
            ? 'The file is not a healthy SQLite database; restore it from a `codemonkeys runs export`.'
            : 'Retry; writes are idempotent.');
    return new StorageError({ backend: this.name, message: `${message}: ${(error as Error).message}${code ? ` (${code})` : ''}. ${advice}`, cause: error });
  }

  private assertOpen(): void {
    if (this.closed) throw new StorageError({ backend: this.name, message: `The storage for ${this.path} is closed; open a new one.` });
  }
}

/** Opens (creating and migrating if needed) a SQLite sequence storage. */
export function createSqliteSequenceStorage(options: SqliteSequenceStorageOptions): SqliteSequenceStorage {
  return new SqliteSequenceStorage(options);
}
