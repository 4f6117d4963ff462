import fs from 'node:fs';
import { once } from 'node:events';
import { Option, type Command } from 'commander';
import { NotFoundError, RunStatusSchema, formatExportLine, readAllPages, type RunQuery, type RunRecord, type RunSummary, type SequenceStorage } from '@codemonkeys/protocol';
import { exitCodes } from '../exit-codes';
import { readExportFile } from '../storage/export-file';
import { openStorage, type OpenStorageOptions } from '../storage/open-storage';
import { defaultStorageUrl } from '../storage/storage-url';

interface StorageFlags {
  storage: string;
  json?: boolean;
}

interface ListFlags extends StorageFlags {
  experiment?: string;
  status?: string;
  since?: string;
  until?: string;
  limit: string;
  summary?: boolean;
}

const storageOption = (): Option =>
  new Option('--storage <url>', 'sqlite:PATH, firestore://PROJECT[/ROOT/DOC][?database=ID&emulator=HOST:PORT] or memory:').default(defaultStorageUrl);

/** A usage error (bad flag value, bad storage URL): commander prints it and exits with the usage code. */
const usageError = (command: Command, message: string): never => command.error(`error: ${message}`, { exitCode: exitCodes.usage, code: 'codemonkeys.usage' });

/** Opens the storage for `use` and closes it after; a bad URL or path is a usage error the CLI reports (exit 2). */
async function withStorage<T>(url: string, options: OpenStorageOptions, use: (storage: SequenceStorage) => Promise<T>): Promise<T> {
  const storage = await openStorage(url, options);
  try {
    return await use(storage);
  } finally {
    await storage.close();
  }
}

/** An ISO time from anything `Date` reads (`2026-01-31`, `2026-01-31T12:00Z`, ...). */
function parseTime(command: Command, flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  if (Number.isNaN(time)) return usageError(command, `${flag} "${value}" is not a date or time (use e.g. 2026-01-31 or 2026-01-31T12:00:00Z)`);
  return new Date(time).toISOString();
}

async function writeOut(stream: NodeJS.WritableStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const formatCost = (costUsd: number): string => `$${costUsd.toFixed(4)}`;

async function listRuns(command: Command, flags: ListFlags): Promise<void> {
  const limit = Number(flags.limit);
  if (!Number.isInteger(limit) || limit < 1) usageError(command, `--limit "${flags.limit}" must be a positive integer`);
  if (flags.status !== undefined && !RunStatusSchema.options.includes(flags.status as never)) {
    usageError(command, `--status "${flags.status}" must be one of ${RunStatusSchema.options.join(', ')}`);
  }
  const query: RunQuery = {
    order: 'desc',
    ...(flags.experiment ? { experimentId: flags.experiment } : {}),
    ...(flags.status ? { status: flags.status as RunQuery['status'] } : {}),
  };
  const since = parseTime(command, '--since', flags.since);
  const until = parseTime(command, '--until', flags.until);
  if (since) query.since = since;
  if (until) query.until = until;

  await withStorage(flags.storage, { mustExist: true }, async (storage) => {
    const runs: RunRecord[] = [];
    for await (const run of readAllPages((request: RunQuery) => storage.queryRuns(request), query, Math.min(limit, 1000))) {
      runs.push(run);
      if (runs.length >= limit) break;
    }
    const summaries = flags.summary ? await Promise.all(runs.map((run) => storage.summarizeRun(run.id))) : undefined;
    if (flags.json) {
      const listing = runs.map((run, index) => (summaries ? { ...run, summary: summaries[index] } : run));
      process.stdout.write(`${JSON.stringify(listing, null, 2)}\n`);
      return;
    }
    if (runs.length === 0) {
      process.stdout.write(`No runs in ${flags.storage}${query.experimentId || query.status || since || until ? ' match the filters' : ''}.\n`);
      return;
    }
    const header = ['RUN', 'EXPERIMENT', 'STATUS', 'CREATED', 'FINISHED', ...(summaries ? ['INSTANCES', 'OK/FAILED', 'CALLS', 'TOKENS', 'COST'] : [])];
    const rows = runs.map((run, index) => {
      const summary = summaries?.[index];
      return [
        run.id,
        run.experimentId,
        run.status,
        run.createdAt,
        run.finishedAt ?? '-',
        ...(summary
          ? [
              String(summary.instances),
              `${summary.stageResults.ok}/${summary.stageResults.failed}`,
              String(summary.modelCalls.total),
              String(summary.usage.inputTokens + summary.usage.outputTokens),
              formatCost(summary.costUsd),
            ]
          : []),
      ];
    });
    process.stdout.write(`${table([header, ...rows])}\n`);
  });
}

function describeSummary(run: RunRecord, summary: RunSummary): string {
  const lines = [
    `run ${run.id} (experiment ${run.experimentId}): ${run.status}`,
    `  created ${run.createdAt}${run.startedAt ? `, started ${run.startedAt}` : ''}${run.finishedAt ? `, finished ${run.finishedAt}` : ''}`,
    `  hypers ${JSON.stringify(run.hypers)}`,
    `  instances ${summary.instances}; stage results ${summary.stageResults.total} (ok ${summary.stageResults.ok}, failed ${summary.stageResults.failed}, skipped ${summary.stageResults.skipped})`,
    ...Object.entries(summary.stageResults.byStage).map(([stage, counts]) => `    ${stage}: ok ${counts.ok}, failed ${counts.failed}, skipped ${counts.skipped}`),
    `  model calls ${summary.modelCalls.total} (errors ${summary.modelCalls.errors}, cache hits ${summary.modelCalls.cacheHits}); ` +
      `tokens in ${summary.usage.inputTokens}, out ${summary.usage.outputTokens}, cache read ${summary.usage.cacheReadTokens}, cache write ${summary.usage.cacheWriteTokens}; ` +
      `cost ${formatCost(summary.costUsd)}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** `codemonkeys runs`: list runs (with filters), show one, export one as JSONL, import an export. */
export function registerRunsCommand(program: Command): void {
  const runs = program
    .command('runs')
    .description('List, show, export and import the runs kept in sequence storage.')
    .addHelpText(
      'after',
      `\nExamples:\n  codemonkeys runs --experiment ablation-1 --status completed --since 2026-01-01\n  codemonkeys runs export RUN > run.jsonl\n  codemonkeys runs import run.jsonl --storage firestore://my-project`,
    );

  runs
    .command('list', { isDefault: true })
    .description('List runs, newest first, filtered by experiment, status and creation time.')
    .addOption(storageOption())
    .option('--experiment <id>', 'only runs of this experiment')
    .option('--status <status>', `only runs with this status (${RunStatusSchema.options.join(', ')})`)
    .option('--since <time>', 'only runs created at or after this time')
    .option('--until <time>', 'only runs created before this time')
    .option('--limit <count>', 'at most this many runs', '50')
    .option('--summary', 'add counts, tokens and cost of each run')
    .option('--json', 'print JSON')
    .action(async (flags: ListFlags, command: Command) => listRuns(command, flags));

  runs
    .command('show')
    .description('Show a run and its summary (counts, tokens, cost).')
    .argument('<run>', 'run id')
    .addOption(storageOption())
    .option('--json', 'print JSON')
    .action(async (runId: string, flags: StorageFlags) => {
      await withStorage(flags.storage, { mustExist: true }, async (storage) => {
        const run = await storage.getRun(runId);
        if (!run) throw new NotFoundError(`No run "${runId}" in ${flags.storage}. List the runs with \`codemonkeys runs --storage ${flags.storage}\`.`);
        const summary = await storage.summarizeRun(runId);
        process.stdout.write(flags.json ? `${JSON.stringify({ run, summary }, null, 2)}\n` : describeSummary(run, summary));
      });
    });

  runs
    .command('export')
    .description('Write every record of a run (its experiment first) as JSON lines, to stdout or --output.')
    .argument('<run>', 'run id')
    .addOption(storageOption())
    .option('--output <file>', 'write to this file instead of stdout')
    .action(async (runId: string, flags: StorageFlags & { output?: string }) => {
      await withStorage(flags.storage, { mustExist: true }, async (storage) => {
        if (!(await storage.getRun(runId))) {
          throw new NotFoundError(`No run "${runId}" in ${flags.storage}. List the runs with \`codemonkeys runs --storage ${flags.storage}\`.`);
        }
        const output = flags.output ? fs.createWriteStream(flags.output) : process.stdout;
        // A closed pipe (`| head`) ends the export quietly.
        output.on('error', (error: NodeJS.ErrnoException) => {
          if (error.code === 'EPIPE') process.exit(exitCodes.ok);
          throw error;
        });
        let count = 0;
        for await (const record of storage.exportRun(runId)) {
          await writeOut(output, `${formatExportLine(record)}\n`);
          count += 1;
        }
        if (flags.output) {
          (output as fs.WriteStream).end();
          await once(output, 'finish');
          process.stderr.write(`Exported ${count} records of run ${runId} to ${flags.output}\n`);
        }
      });
    });

  runs
    .command('import')
    .description('Write the records of a run export (a file, or - for stdin) into storage; importing twice changes nothing.')
    .argument('<file>', 'a file written by `codemonkeys runs export`, or -')
    .addOption(storageOption())
    .option('--json', 'print JSON')
    .action(async (file: string, flags: StorageFlags) => {
      // Every line is validated before the storage is even opened: a bad file imports nothing.
      const records = await readExportFile(file);
      await withStorage(flags.storage, {}, async (storage) => {
        const runIds: string[] = [];
        async function* tracked() {
          for await (const record of records) {
            if (record.type === 'run') runIds.push(record.record.id);
            yield record;
          }
        }
        const imported = await storage.importRecords(tracked());
        process.stdout.write(
          flags.json
            ? `${JSON.stringify({ imported, runs: runIds, storage: flags.storage })}\n`
            : `Imported ${imported} records${runIds.length > 0 ? ` of run ${runIds.join(', ')}` : ''} into ${flags.storage}\n`,
        );
      });
    });
}
