import fs from 'node:fs/promises';
import path from 'node:path';
import { Option, type Command } from 'commander';
import type { SequenceStorage } from '@codemonkeys/protocol';
import { compareRuns } from '../compare/compare-runs';
import { formatComparisonHtml } from '../compare/format-comparison-html';
import { formatComparisonJson, formatComparisonMarkdown, formatComparisonTerminal } from '../compare/format-comparison';
import { readRunValues } from '../compare/run-instance-values';
import { UsageError } from '../config/usage-error';
import { openStorage } from '../storage/open-storage';
import { defaultStorageUrl } from '../storage/storage-url';
import { reportFormat } from './report-command';

interface CompareFlags {
  storage: string;
  format?: 'table' | 'markdown' | 'json' | 'html';
  output?: string;
  title?: string;
  bootstrapSamples: string;
  seed: string;
  confidence: string;
  alpha: string;
}

function numberFlag(value: string, flag: string, check: (parsed: number) => boolean, expected: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || !check(parsed)) throw new UsageError(`${flag} must be ${expected}, got "${value}"`);
  return parsed;
}

export function registerCompareCommand(program: Command): void {
  program
    .command('compare')
    .argument('<runs...>', 'two or more run ids; the first is the baseline every other run is compared with')
    .description(
      "Paired comparison of runs on the instances they share: resolved and every pseudo-reward side by side, McNemar's exact test, paired bootstrap intervals, wins and losses per instance, cost per resolved instance, and what can be concluded.",
    )
    .option('--storage <url>', 'where the runs are', defaultStorageUrl)
    .addOption(new Option('--format <format>', 'output format (default: from the --output extension .md/.json/.html, else table)').choices(['table', 'markdown', 'json', 'html']))
    .option('--output <file>', 'write to this file instead of stdout (its folder is created)')
    .option('--title <title>', 'title of the Markdown and HTML output')
    .option('--bootstrap-samples <n>', 'bootstrap resamples', '2000')
    .option('--seed <n>', 'seed of the bootstrap (the same seed gives the same intervals)', '1')
    .option('--confidence <c>', 'coverage of the intervals', '0.95')
    .option('--alpha <a>', 'significance level of the conclusions', '0.05')
    .action(async (runIds: string[], flags: CompareFlags) => {
      if (runIds.length < 2) throw new UsageError('compare needs at least two runs: `codemonkeys compare RUN_A RUN_B [RUN_C...]` (`codemonkeys runs` lists them)');
      const duplicate = runIds.find((runId, index) => runIds.indexOf(runId) !== index);
      if (duplicate) throw new UsageError(`run ${duplicate} is named twice`);
      const options = {
        samples: numberFlag(flags.bootstrapSamples, '--bootstrap-samples', (value) => Number.isInteger(value) && value >= 100, 'an integer of at least 100'),
        seed: numberFlag(flags.seed, '--seed', Number.isInteger, 'an integer'),
        confidence: numberFlag(flags.confidence, '--confidence', (value) => value > 0 && value < 1, 'between 0 and 1'),
        alpha: numberFlag(flags.alpha, '--alpha', (value) => value > 0 && value < 1, 'between 0 and 1'),
      };
      const storage: SequenceStorage = await openStorage(flags.storage, { mustExist: true });
      try {
        const runs = [];
        for (const runId of runIds) runs.push(await readRunValues(storage, runId, { storageUrl: flags.storage }));
        const comparison = compareRuns(runs, options);
        const format = reportFormat(flags.format, flags.output);
        const titled = flags.title ? { title: flags.title } : {};
        const text =
          format === 'json'
            ? formatComparisonJson(comparison)
            : format === 'markdown'
              ? formatComparisonMarkdown(comparison, titled)
              : format === 'html'
                ? formatComparisonHtml(comparison, titled)
                : formatComparisonTerminal(comparison);
        if (flags.output) {
          await fs.mkdir(path.dirname(path.resolve(flags.output)), { recursive: true });
          await fs.writeFile(flags.output, text);
          process.stderr.write(`wrote ${flags.output}\n`);
          for (const pair of comparison.comparisons) process.stderr.write(`${pair.conclusion}\n`);
        } else {
          process.stdout.write(text);
        }
      } finally {
        await storage.close();
      }
    });
}
