import Database from 'better-sqlite3';
import {
  CodemonkeysError,
  StorageError,
  collectionNamed,
  decodeInstanceLeaseState,
  orderNamed,
  type IndexValue,
  type InstanceLeaseState,
  type InstanceLeaseStore,
  type StorageCapabilities,
  type StorageCollection,
  type StorageDriver,
  type StorageDriverAggregate,
  type StorageDriverAggregation,
  type StorageDriverEntry,
  type StorageDriverQuery,
  type StorageDriverWrite,
} from '@codemonkeys/protocol';
import { migrateSqliteSchema } from './sqlite-migrations';
import { parseSqliteStorageOptions, type SqliteSequenceStorageOptions } from './sqlite-storage-options';

/** The catalogue's camelCase names in SQLite: `stageResults` is the table `stage_results`, `runId` the column `run_id`. */
const snakeCase = (name: string): string => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

/** A collection's table and the statements every write of it uses, made once. */
interface Table {
  spec: StorageCollection;
  name: string;
  columns: string[];
  upsert: Database.Statement;
  remove: Database.Statement;
  get: Database.Statement;
}

/**
 * The storage driver on one SQLite file (better-sqlite3): a table per collection with the indexed fields
 * as columns and the record's JSON in `body` (the last column, so small columns are read without
 * following a large record's overflow pages), WAL journal, prepared statements, one IMMEDIATE
 * transaction per batch, a busy timeout so that several processes can share the file, versioned
 * migrations. Calls are synchronous underneath; the Promise API matches the other drivers.
 */
export class SqliteStorageDriver implements StorageDriver {
  readonly specificationVersion = 'v1' as const;
  readonly name = 'sqlite';
  readonly capabilities: StorageCapabilities;
  /** The database file (or `:memory:`). */
  readonly path: string;
  /**
   * Each lease step is one IMMEDIATE transaction (read the lease row, decide, write it) holding the
   * database's write lock, so two processes on one file never both take a lease.
   */
  readonly leases: InstanceLeaseStore;

  private readonly handle: Database.Database;
  private readonly tables = new Map<string, Table>();
  private readonly statements = new Map<string, Database.Statement>();
  private closed = false;

  constructor(options: SqliteSequenceStorageOptions) {
    const settings = parseSqliteStorageOptions(options);
    this.path = settings.path;
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
    this.leases = {
      update: async (key, decide) =>
        this.guard(`update the lease of ${key.runId}/${key.instanceId}`, () =>
          this.handle
            .transaction(() => {
              const { answer, next } = decide(this.readLease(key));
              if (next) {
                this.statement('INSERT INTO instance_leases (run_id, instance_id, body) VALUES (?, ?, ?) ON CONFLICT (run_id, instance_id) DO UPDATE SET body = excluded.body').run(
                  key.runId,
                  key.instanceId,
                  JSON.stringify(next),
                );
              }
              return answer;
            })
            .immediate(),
        ),
      read: async (key) => this.guard(`read the lease of ${key.runId}/${key.instanceId}`, () => this.readLease(key)),
    };
  }

  /** The underlying better-sqlite3 connection, for inspection and tests. Writing through it bypasses validation and redaction. */
  get database(): Database.Database {
    return this.handle;
  }

  async get(collection: string, key: readonly IndexValue[]): Promise<StorageDriverEntry | undefined> {
    const table = this.table(collection);
    const location = `${table.name}/${key.join('/')}`;
    return this.guard(`read ${location}`, () => {
      const row = table.get.get(key) as { body: string } | undefined;
      return row && { body: row.body, location };
    });
  }

  async write(writes: readonly StorageDriverWrite[]): Promise<void> {
    this.assertOpen();
    if (writes.length === 0) return;
    const first = this.table(writes[0]!.collection);
    const rows = writes.map((write) => {
      const table = this.table(write.collection);
      return write.type === 'put'
        ? { statement: table.upsert, values: [...table.spec.fields.map((field) => write.fields[field] ?? null), write.body] }
        : { statement: table.remove, values: write.key };
    });
    const count = writes.filter((write) => write.collection === first.spec.name).length;
    this.guard(`write ${count} ${first.spec.recordName} record(s)`, () => {
      // IMMEDIATE takes the write lock up front, so a writer never has to upgrade a read lock (which can fail with SQLITE_BUSY at once).
      this.handle
        .transaction(() => {
          for (const row of rows) row.statement.run(row.values);
        })
        .immediate();
    });
  }

  async query(query: StorageDriverQuery): Promise<StorageDriverEntry[]> {
    const table = this.table(query.collection);
    const order = orderNamed(table.spec, query.order, this.name).map(snakeCase);
    const conditions: string[] = [];
    const parameters: IndexValue[] = [];
    this.where(query.where, conditions, parameters);
    if (query.range?.since !== undefined) {
      conditions.push(`${order[0]} >= ?`);
      parameters.push(query.range.since);
    }
    if (query.range?.until !== undefined) {
      conditions.push(`${order[0]} < ?`);
      parameters.push(query.range.until);
    }
    if (query.after) {
      // Row-value comparison: SQLite turns it into a range scan of the index on these columns.
      conditions.push(`(${order.join(', ')}) ${query.direction === 'desc' ? '<' : '>'} (${order.map(() => '?').join(', ')})`);
      parameters.push(...query.after);
    }
    const direction = query.direction === 'desc' ? 'DESC' : 'ASC';
    const keyColumns = table.spec.key.map(snakeCase);
    const sql =
      `SELECT body, ${keyColumns.join(', ')} FROM ${table.name}` +
      (conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '') +
      ` ORDER BY ${order.map((column) => `${column} ${direction}`).join(', ')} LIMIT ?`;
    return this.guard(`query ${table.name}`, () =>
      (this.statement(sql).all([...parameters, query.limit]) as Array<Record<string, IndexValue>>).map((row) => ({
        body: row.body as string,
        location: `${table.name}/${keyColumns.map((column) => row[column]).join('/')}`,
      })),
    );
  }

  /** One aggregate query over the indexes (the model-call totals from a covering index). */
  async aggregate(aggregation: StorageDriverAggregation): Promise<StorageDriverAggregate> {
    const table = this.table(aggregation.collection);
    const conditions: string[] = [];
    const parameters: IndexValue[] = [];
    this.where(aggregation.where, conditions, parameters);
    const sql =
      `SELECT count(*) AS count${aggregation.sum.map((field, index) => `, total(${snakeCase(field)}) AS s${index}`).join('')} FROM ${table.name}` +
      (conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '');
    return this.guard(`aggregate ${table.name}`, () => {
      const row = this.statement(sql).get(parameters) as Record<string, number>;
      return { count: row.count!, sums: Object.fromEntries(aggregation.sum.map((field, index) => [field, row[`s${index}`]!])) };
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.statements.clear();
    this.tables.clear();
    try {
      // SQLite's advice for connections that come and go: refresh the planner's statistics on close, so
      // that the next connection picks the most selective index for a filtered query.
      if (!this.handle.readonly) this.handle.pragma('optimize');
    } catch {
      // Statistics are an optimisation; a busy database is not a reason to fail closing.
    }
    this.handle.close();
  }

  private where(where: Readonly<Record<string, IndexValue>>, conditions: string[], parameters: IndexValue[]): void {
    for (const [field, value] of Object.entries(where)) {
      conditions.push(`${snakeCase(field)} = ?`);
      parameters.push(value);
    }
  }

  private table(collection: string): Table {
    this.assertOpen();
    let table = this.tables.get(collection);
    if (table) return table;
    const spec = collectionNamed(collection, this.name);
    const name = snakeCase(spec.name);
    const columns = [...spec.fields.map(snakeCase), 'body'];
    const key = spec.key.map(snakeCase);
    const byKey = key.map((column) => `${column} = ?`).join(' AND ');
    const updates = columns.filter((column) => !key.includes(column)).map((column) => `${column} = excluded.${column}`);
    table = this.guard(`prepare the table ${name}`, () => ({
      spec,
      name,
      columns,
      upsert: this.handle.prepare(
        `INSERT INTO ${name} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ON CONFLICT (${key.join(', ')}) DO UPDATE SET ${updates.join(', ')}`,
      ),
      remove: this.handle.prepare(`DELETE FROM ${name} WHERE ${byKey}`),
      get: this.handle.prepare(`SELECT body FROM ${name} WHERE ${byKey}`),
    }));
    this.tables.set(collection, table);
    return table;
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

/** Opens (creating and migrating if needed) a SQLite storage driver. */
export function createSqliteStorageDriver(options: SqliteSequenceStorageOptions): SqliteStorageDriver {
  return new SqliteStorageDriver(options);
}
