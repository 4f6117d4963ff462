import fs from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { readAllPages, type RunQuery, type SequenceStorage } from '@codemonkeys/core';
import { exitCodes } from '../exit-codes';
import { collectRunReport, type RunReport } from '../report/collect-run-report';
import { formatHtmlReport } from '../report/format-html-report';
import { formatJsonReport } from '../report/format-json-report';
import { formatMarkdownReport } from '../report/format-markdown-report';
import { formatTerminalReport } from '../report/format-terminal-report';
import { openStorage } from '../storage/open-storage';
import { InvalidStorageUrlError, defaultStorageUrl } from '../storage/storage-url';

interface ReportFlags {
  storage: string;
  experiment?: string;
  format: 'table' | 'markdown' | 'json' | 'html';
  output?: string;
  title?: string;
}

/** Reports of the runs named, and of every run of the experiments named, in that order. */
export async function collectReports(storage: SequenceStorage, runIds: readonly string[], experimentId?: string): Promise<RunReport[]> {
  const ids = [...runIds];
  if (experimentId) {
    for await (const run of readAllPages((query: RunQuery) => storage.queryRuns(query), { experimentId, order: 'asc' })) if (!ids.includes(run.id)) ids.push(run.id);
  }
  const reports: RunReport[] = [];
  for (const id of ids) reports.push(await collectRunReport(storage, id));
  return reports;
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .argument('[runs...]', 'run ids (see `codemonkeys runs`); several are shown side by side')
    .description('Per-stage scorecard of runs (recall, tokens, resolved, selection accuracy, cost, time), side by side, as a table, Markdown, JSON or a self-contained HTML page with charts.')
    .option('--storage <url>', 'where the runs are', defaultStorageUrl)
    .option('--experiment <id>', 'every run of this experiment (after the runs named)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'markdown', 'json', 'html']).default('table'))
    .option('--output <file>', 'write to this file instead of stdout')
    .option('--title <title>', 'title of the Markdown and HTML reports')
    .action(async (runIds: string[], flags: ReportFlags, command: Command) => {
      if (runIds.length === 0 && !flags.experiment) command.error('error: name at least one run (or --experiment ID); `codemonkeys runs` lists them', { exitCode: exitCodes.usage, code: 'codemonkeys.usage' });
      let storage: SequenceStorage;
      try {
        storage = await openStorage(flags.storage, { mustExist: true });
      } catch (error) {
        if (InvalidStorageUrlError.isInstance(error)) return command.error(`error: ${error.message}`, { exitCode: exitCodes.usage, code: 'codemonkeys.usage' });
        throw error;
      }
      try {
        const reports = await collectReports(storage, runIds, flags.experiment);
        if (reports.length === 0) command.error(`error: experiment ${flags.experiment} has no runs in ${flags.storage}`, { exitCode: exitCodes.failure, code: 'codemonkeys.empty' });
        const options = flags.title ? { title: flags.title } : {};
        const text =
          flags.format === 'json'
            ? formatJsonReport(reports)
            : flags.format === 'markdown'
              ? formatMarkdownReport(reports, options)
              : flags.format === 'html'
                ? formatHtmlReport(reports, options)
                : formatTerminalReport(reports, { color: !flags.output && process.stdout.isTTY === true });
        if (flags.output) {
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
