import type { Command } from 'commander';
import { formatZodError } from '@codemonkeys/protocol';
import { exitCodes } from '../exit-codes';
import { abortOnInterrupt } from './abort-on-interrupt';
import { splitList } from '../evaluation/eval-options';
import { RewardsOptionsSchema, type RewardsOptions } from '../rewards/rewards-options';
import { runOfflineRewards, writeOfflineRewards } from '../rewards/run-offline-rewards';

interface RewardsFlags {
  dataset?: string;
  predictions: string[];
  labels: string[];
  instances: string[];
  sandbox?: boolean;
  format?: string;
  output?: string;
  bootstrapSamples?: string;
  seed?: string;
  concurrency?: string;
  repository: string[];
  specFile?: string;
  timeout?: string;
  cacheDir?: string;
  storage?: string;
  buildBaseImages: boolean;
  progress?: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function parseFlags(command: Command, flags: RewardsFlags): RewardsOptions {
  const result = RewardsOptionsSchema.safeParse({
    dataset: flags.dataset,
    predictions: flags.predictions,
    labels: flags.labels,
    instances: splitList(flags.instances),
    sandbox: flags.sandbox ?? false,
    format: flags.format,
    output: flags.output,
    bootstrapSamples: flags.bootstrapSamples,
    seed: flags.seed,
    concurrency: flags.concurrency,
    repository: flags.repository,
    specFile: flags.specFile,
    timeout: flags.timeout,
    cacheDirectory: flags.cacheDir,
    storage: flags.storage,
    buildBaseImages: flags.buildBaseImages,
    progress: flags.progress,
  });
  if (result.success) return result.data;
  return command.error(`error: invalid options for codemonkeys rewards:\n${formatZodError(result.error)}`, { exitCode: exitCodes.usage, code: 'codemonkeys.usage' });
}

export function registerRewardsCommand(program: Command): void {
  program
    .command('rewards')
    .description(
      'Pseudo-rewards of predictions files without running a model: similarity to the gold patch, gold-line and gold-file overlap, size; ' +
        'with --sandbox the SWE-bench verdict of each prediction; with --labels (or --sandbox) the validity of each pseudo-reward (ROC-AUC, point-biserial r, bootstrap CIs). ' +
        'A Markdown or JSON scorecard per run.',
    )
    .option('--dataset <file>', 'SWE-bench dataset with the gold patches: JSONL, JSON array or Hugging Face parquet')
    .option('--predictions <file>', 'predictions file (instance_id, model_name_or_path, model_patch); repeatable, one run per model', collect, [])
    .option(
      '--labels <file>',
      'resolved labels: a *.resolved.json, a SWE-bench run report or a JSON array of resolved ids; one for all, or one per --predictions in order',
      collect,
      [],
    )
    .option('--instances <ids>', 'instance ids or globs, comma-separated or repeated', collect, [])
    .option('--sandbox', 'evaluate every prediction in Docker as SWE-bench does (gold tests)')
    .option('--format <format>', 'md (default) or json')
    .option('--output <file>', 'write the scorecard to a file instead of stdout')
    .option('--bootstrap-samples <n>', 'bootstrap resamples of the confidence intervals (default 2000)')
    .option('--seed <n>', 'seed of the bootstrap (default 1): the same seed gives the same intervals')
    .option('--concurrency <n>', 'with --sandbox: instances evaluated at once (one container each)')
    .option('--repository <owner/name=path-or-url>', 'with --sandbox: where to clone a repository from; repeatable', collect, [])
    .option('--spec-file <file>', 'with --sandbox: JSON array of environment specs, before the built-in ones')
    .option('--timeout <seconds>', "with --sandbox: time limit of each test run (default: the spec's)")
    .option('--cache-dir <dir>', 'with --sandbox: repository mirror cache')
    .option('--storage <url>', 'with --sandbox: reuse and keep SWE-bench verdicts in the verdict cache of this run storage (sqlite:FILE, firestore:…), shared with codemonkeys run')
    .option('--no-build-base-images', 'with --sandbox: fail instead of building a missing Debian base image')
    .option('--progress <mode>', 'progress on stderr: auto (default), bar or lines')
    .action(async (flags: RewardsFlags, command: Command) => {
      const options = parseFlags(command, flags);
      await abortOnInterrupt(async (signal) => {
        try {
          const outcome = await runOfflineRewards(options, { signal, log: (message) => void process.stderr.write(`${message}\n`) });
          const text = await writeOfflineRewards(outcome, options.format, options.output);
          if (text !== undefined) process.stdout.write(text);
          else process.stderr.write(`scorecard: ${options.output}\n`);
          process.exitCode = exitCodes.ok;
        } catch (error) {
          if (signal.aborted) {
            process.stderr.write('interrupted\n');
            process.exitCode = exitCodes.interrupted;
            return;
          }
          throw error;
        }
      });
    });
}
