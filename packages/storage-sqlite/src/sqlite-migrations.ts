import type Database from 'better-sqlite3';
import { StorageError } from '@codemonkeys/protocol';

/** One step of the schema. Released migrations are never edited: a change is a new version. */
export interface SqliteMigration {
  version: number;
  description: string;
  sql: string;
}

/**
 * The schema, versioned. Every table keeps the whole record as JSON in `body` (exactly what the other
 * backends store) and copies into columns only what queries filter, sort or sum on. `body` is the last
 * column so that SQLite can read the small columns without following a large record's overflow pages.
 */
export const sqliteMigrations: readonly SqliteMigration[] = [
  {
    version: 1,
    description: 'experiments, runs, stage results, rewards, message logs, model calls, response cache, work states',
    sql: `
      CREATE TABLE experiments (
        id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        body TEXT NOT NULL
      );
      CREATE INDEX experiments_by_time ON experiments (created_at, id);

      CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        experiment_id TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at TEXT NOT NULL,
        body TEXT NOT NULL
      );
      CREATE INDEX runs_by_time ON runs (created_at, id);
      CREATE INDEX runs_by_experiment ON runs (experiment_id, created_at, id);
      CREATE INDEX runs_by_status ON runs (status, created_at, id);

      CREATE TABLE stage_results (
        run_id TEXT NOT NULL,
        instance_id TEXT NOT NULL,
        stage TEXT NOT NULL,
        sample INTEGER NOT NULL,
        status TEXT NOT NULL,
        finished_at TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (run_id, instance_id, stage, sample)
      );
      CREATE INDEX stage_results_by_stage ON stage_results (run_id, stage, instance_id, sample);
      -- Also covers the per-stage, per-status counts of a run summary.
      CREATE INDEX stage_results_by_status ON stage_results (run_id, status, stage, instance_id, sample);
      CREATE INDEX stage_results_by_time ON stage_results (run_id, finished_at, instance_id, stage, sample);

      CREATE TABLE rewards (
        run_id TEXT NOT NULL,
        instance_id TEXT NOT NULL,
        stage TEXT NOT NULL,
        sample INTEGER NOT NULL,
        name TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (run_id, instance_id, stage, sample, name)
      );
      CREATE INDEX rewards_by_name ON rewards (run_id, name, instance_id, stage, sample);
      CREATE INDEX rewards_by_stage ON rewards (run_id, stage, instance_id, sample, name);

      CREATE TABLE message_logs (
        run_id TEXT NOT NULL,
        instance_id TEXT NOT NULL,
        stage TEXT NOT NULL,
        sample INTEGER NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (run_id, instance_id, stage, sample)
      );
      CREATE INDEX message_logs_by_stage ON message_logs (run_id, stage, instance_id, sample);

      CREATE TABLE model_calls (
        id TEXT PRIMARY KEY,
        experiment_id TEXT,
        run_id TEXT,
        instance_id TEXT,
        stage TEXT,
        model TEXT NOT NULL,
        status TEXT NOT NULL,
        cache_hit INTEGER NOT NULL,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        cache_read_tokens INTEGER NOT NULL,
        cache_write_tokens INTEGER NOT NULL,
        cost_usd REAL NOT NULL,
        created_at TEXT NOT NULL,
        body TEXT NOT NULL
      );
      CREATE INDEX model_calls_by_time ON model_calls (created_at, id);
      CREATE INDEX model_calls_by_run ON model_calls (run_id, created_at, id);
      CREATE INDEX model_calls_by_run_stage ON model_calls (run_id, stage, created_at, id);
      CREATE INDEX model_calls_by_experiment ON model_calls (experiment_id, created_at, id);
      CREATE INDEX model_calls_by_instance ON model_calls (instance_id, created_at, id);
      CREATE INDEX model_calls_by_model ON model_calls (model, created_at, id);
      -- Covering index: a run summary sums these without touching the (large) rows.
      CREATE INDEX model_calls_run_totals ON model_calls (
        run_id, status, cache_hit, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_usd
      );

      CREATE TABLE cache_entries (
        key TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        body TEXT NOT NULL
      );

      CREATE TABLE work_states (
        run_id TEXT NOT NULL,
        instance_id TEXT NOT NULL,
        key TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (run_id, instance_id, key)
      );
    `,
  },
  {
    version: 2,
    description: 'instance leases: one writer per (run, instance)',
    sql: `
      CREATE TABLE instance_leases (
        run_id TEXT NOT NULL,
        instance_id TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (run_id, instance_id)
      );
    `,
  },
  {
    version: 3,
    description: 'run summary markers: the instances and stages of each run (filled from the stage results already stored)',
    sql: `
      CREATE TABLE run_instances (
        run_id TEXT NOT NULL,
        instance_id TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (run_id, instance_id)
      );
      CREATE TABLE run_stages (
        run_id TEXT NOT NULL,
        stage TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (run_id, stage)
      );
      INSERT OR IGNORE INTO run_instances (run_id, instance_id, body)
        SELECT DISTINCT run_id, instance_id, json_object('runId', run_id, 'instanceId', instance_id) FROM stage_results;
      INSERT OR IGNORE INTO run_stages (run_id, stage, body)
        SELECT DISTINCT run_id, stage, json_object('runId', run_id, 'stage', stage) FROM stage_results;
    `,
  },
];

export const latestSqliteSchemaVersion = Math.max(...sqliteMigrations.map((migration) => migration.version));

const readSchemaVersion = (database: Database.Database): number => {
  const table = database.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).get();
  if (!table) return 0;
  const row = database.prepare('SELECT coalesce(max(version), 0) AS version FROM schema_migrations').get() as { version: number };
  return row.version;
};

const tooNew = (path: string, version: number): StorageError =>
  new StorageError({
    backend: 'sqlite',
    message:
      `${path} has schema version ${version}, newer than this @codemonkeys/storage-sqlite knows (${latestSqliteSchemaVersion}). ` +
      'It was written by a newer codemonkeys: upgrade @codemonkeys/storage-sqlite (or the runner) to read it.',
  });

/**
 * Brings the database to the latest schema. Each pending migration runs in an IMMEDIATE transaction
 * that re-reads the version first, so two processes opening a new file at once migrate it once.
 * Returns the versions applied now.
 */
export function migrateSqliteSchema(database: Database.Database, path: string): number[] {
  const current = readSchemaVersion(database);
  if (current > latestSqliteSchemaVersion) throw tooNew(path, current);
  if (current === latestSqliteSchemaVersion) return [];
  if (database.readonly) {
    throw new StorageError({
      backend: 'sqlite',
      message: `${path} has schema version ${current} and needs ${latestSqliteSchemaVersion}; it was opened read-only. Open it once for writing to migrate it.`,
    });
  }
  const applied: number[] = [];
  const migrate = database.transaction(() => {
    database.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      description TEXT NOT NULL,
      applied_at TEXT NOT NULL
    )`);
    const version = readSchemaVersion(database);
    if (version > latestSqliteSchemaVersion) throw tooNew(path, version);
    const record = database.prepare('INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)');
    for (const migration of sqliteMigrations) {
      if (migration.version <= version) continue;
      database.exec(migration.sql);
      record.run(migration.version, migration.description, new Date().toISOString());
      applied.push(migration.version);
    }
  });
  migrate.immediate();
  return applied;
}

/** The migrations recorded in the database, oldest first. */
export function appliedSqliteMigrations(database: Database.Database): Array<{ version: number; description: string; appliedAt: string }> {
  if (readSchemaVersion(database) === 0) return [];
  return database.prepare('SELECT version, description, applied_at AS appliedAt FROM schema_migrations ORDER BY version').all() as Array<{
    version: number;
    description: string;
    appliedAt: string;
  }>;
}
