import fs from 'node:fs/promises';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { readAllPages, type RunQuery, type RunRecord, type SequenceStorage } from '@codemonkeys/protocol';
import { exitCodes } from '../exit-codes';
import { collectRunReport, type RunReport } from '../report/collect-run-report';
import { formatHtmlReport } from '../report/format-html-report';
import { formatJsonReport } from '../report/format-json-report';
import { formatMarkdownReport } from '../report/format-markdown-report';
import { formatTerminalReport } from '../report/format-terminal-report';
import { openStorage } from '../storage/open-storage';
import { defaultStorageUrl } from '../storage/storage-url';

type ReportFormat = 'table' | 'markdown' | 'json' | 'html';

const formatOfExtension: Record<string, ReportFormat> = { '.md': 'markdown', '.markdown': 'markdown', '.json': 'json', '.html': 'html', '.htm': 'html' };

/** The format asked for, else the one the --output file's extension names, else the terminal table. */
export function reportFormat(format: ReportFormat | undefined, output: string | undefined): ReportFormat {
  if (format) return format;
  const extension = output ? path.extname(output).toLowerCase() : '';
  return formatOfExtension[extension] ?? 'table';
}

interface ReportFlags {
  storage: string;
  experiment?: string;
  format?: ReportFormat;
  output?: string;
  title?: string;
}

/** Reports of the runs named, then of every run of the experiment named, in the order of its sweep. */
export async function collectReports(storage: SequenceStorage, runIds: readonly string[], experimentId?: string, options: { storageUrl?: string } = {}): Promise<RunReport[]> {
  const ids = [...runIds];
  if (experimentId) {
    const runs: RunRecord[] = [];
    for await (const run of readAllPages((query: RunQuery) => storage.queryRuns(query), { experimentId, order: 'asc' })) runs.push(run);
    // The runs of one invocation share a creation time: the sweep index keeps the order of --vary.
    const sweepIndex = (run: RunRecord): number => (typeof run.metadata.sweepIndex === 'number' ? run.metadata.sweepIndex : Number.MAX_SAFE_INTEGER);
    runs.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || sweepIndex(a) - sweepIndex(b) || a.id.localeCompare(b.id));
    for (const run of runs) if (!ids.includes(run.id)) ids.push(run.id);
  }
  const reports: RunReport[] = [];
  for (const id of ids) reports.push(await collectRunReport(storage, id, options));
  return reports;
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .argument('[runs...]', 'run ids (see `codemonkeys runs`); several are shown side by side')
    .description(
      'Per-stage scorecard of runs (recall, tokens, resolved, selection accuracy, cost, time), side by side, as a table, Markdown, JSON or a self-contained HTML page with charts.',
    )
    .option('--storage <url>', 'where the runs are', defaultStorageUrl)
    .option('--experiment <id>', 'every run of this experiment (after the runs named)')
    .addOption(new Option('--format <format>', 'output format (default: from the --output extension .md/.json/.html, else table)').choices(['table', 'markdown', 'json', 'html']))
    .option('--output <file>', 'write to this file instead of stdout (its folder is created)')
    .option('--title <title>', 'title of the Markdown and HTML reports')
    .action(async (runIds: string[], flags: ReportFlags, command: Command) => {
      if (runIds.length === 0 && !flags.experiment)
        command.error('error: name at least one run (or --experiment ID); `codemonkeys runs` lists them', { exitCode: exitCodes.usage, code: 'codemonkeys.usage' });
      // A bad storage URL or path, a missing database or an unknown run id is a usage error: the CLI prints it and exits 2.
      const storage: SequenceStorage = await openStorage(flags.storage, { mustExist: true });
      try {
        const reports = await collectReports(storage, runIds, flags.experiment, { storageUrl: flags.storage });
        if (reports.length === 0)
          command.error(`error: experiment ${flags.experiment} has no runs in ${flags.storage}; \`codemonkeys runs --storage ${flags.storage}\` lists the runs there`, {
            exitCode: exitCodes.usage,
            code: 'codemonkeys.usage',
          });
        const options = flags.title ? { title: flags.title } : {};
        const format = reportFormat(flags.format, flags.output);
        const text =
          format === 'json'
            ? formatJsonReport(reports)
            : format === 'markdown'
              ? formatMarkdownReport(reports, options)
              : format === 'html'
                ? formatHtmlReport(reports, options)
                : formatTerminalReport(reports, { color: !flags.output && process.stdout.isTTY === true });
        if (flags.output) {
          await fs.mkdir(path.dirname(path.resolve(flags.output)), { recursive: true });
          await fs.writeFile(flags.output, text);
          process.stderr.write(`wrote ${flags.output}\n`);
        } else {
          process.stdout.write(text);
        }
      } finally {
        await storage.close();
      }
    });
}
