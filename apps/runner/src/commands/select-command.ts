import type { Command } from 'commander';
import { formatZodError } from '@codemonkeys/protocol';
import { UsageError } from '../config/usage-error';
import { parseSetFlags } from '../config/run-flags';
import { exitCodes } from '../exit-codes';
import { runSelection } from '../select/run-selection';
import { formatSelectionScorecardMarkdown } from '../select/selection-scorecard';
import { SelectOptionsSchema, type SelectOptions } from '../select/select-options';
import { defaultStorageUrl } from '../storage/storage-url';
import { abortOnInterrupt } from './abort-on-interrupt';

interface SelectFlags {
  predictions: string[];
  run: string[];
  experiment: string[];
  storage: string;
  selector?: string;
  option: string[];
  options?: string;
  labels: string[];
  dataset?: string;
  repository: string[];
  sandbox?: string;
  cacheDir?: string;
  specFile?: string;
  output?: string;
  runId?: string;
  modelName?: string;
  concurrency?: string;
  baseUrl?: string;
  model?: string;
  apiKeyEnv?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function selectorOptionsOf(flags: SelectFlags): Record<string, unknown> {
  let base: Record<string, unknown> = {};
  if (flags.options !== undefined) {
    let value: unknown;
    try {
      value = JSON.parse(flags.options);
    } catch (error) {
      throw new UsageError(`--options must be a JSON object of the selector's options (${(error as Error).message}).`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new UsageError("--options must be a JSON object of the selector's options, e.g. '{\"topK\": 3}'.");
    base = value as Record<string, unknown>;
  }
  const sets = parseSetFlags(flags.option.map((entry) => entry));
  const merged: Record<string, unknown> = { ...base };
  // `--option a.b=1` sets a nested option.
  for (const [key, value] of Object.entries(sets)) {
    const parts = key.split('.');
    let target = merged;
    for (const part of parts.slice(0, -1)) {
      if (typeof target[part] !== 'object' || target[part] === null) target[part] = {};
      target = target[part] as Record<string, unknown>;
    }
    target[parts.at(-1)!] = value;
  }
  return merged;
}

function parseFlags(command: Command, flags: SelectFlags): SelectOptions {
  const result = SelectOptionsSchema.safeParse({
    predictions: flags.predictions,
    runs: flags.run,
    experiments: flags.experiment,
    storage: flags.storage,
    selector: flags.selector,
    selectorOptions: selectorOptionsOf(flags),
    labels: flags.labels,
    dataset: flags.dataset,
    repository: flags.repository,
    sandbox: flags.sandbox,
    cacheDirectory: flags.cacheDir,
    specFile: flags.specFile,
    output: flags.output,
    runId: flags.runId,
    modelNameOrPath: flags.modelName,
    concurrency: flags.concurrency,
    baseUrl: flags.baseUrl,
    model: flags.model,
    apiKeyEnv: flags.apiKeyEnv,
    json: flags.json ?? false,
  });
  if (result.success) return result.data;
  return command.error(`error: invalid options for codemonkeys select:\n${formatZodError(result.error)}`, { exitCode: exitCodes.usage, code: 'codemonkeys.usage' });
}

export function registerSelectCommand(program: Command): void {
  program
    .command('select')
    .description(
      'Select one candidate per instance from pooled sources (SWE-bench predictions files, stored runs, whole experiments) with any selector plugin; ' +
        'writes predictions, per-instance choices and a scorecard (with --labels: resolved vs random, best single source, oracle, normalized gain), stored as a run of its own.',
    )
    .option(
      '--predictions <files...>',
      'predictions files: JSONL, a JSON list, or an object keyed by instance id (SWE-agent); each model in a file is a source',
      (value: string, previous: string[]) => [...previous, value],
      [],
    )
    .option('--run <id>', 'a stored run whose generated candidates are a source; repeatable', collect, [])
    .option('--experiment <id>', 'every run of a stored experiment, each a source; repeatable', collect, [])
    .option('--storage <url>', 'where stored runs are read and the selection run is written', defaultStorageUrl)
    .option('--selector <name>', 'selector plugin: a short name (vote, rank), a package name or a path (default vote)')
    .option('--option <key=value>', 'a selector option (JSON value where it parses; a.b=1 for nested ones); repeatable', collect, [])
    .option('--options <json>', "the selector's options as a JSON object (before --option)")
    .option(
      '--labels <files...>',
      'resolved labels (*.resolved.json, a SWE-bench report, or a JSON list of ids): one for all, one per --predictions file in order, or SOURCE=FILE',
      (value: string, previous: string[]) => [...previous, value],
      [],
    )
    .option('--dataset <file>', 'SWE-bench dataset: checks the instance ids and gives the selector the task and the repository checkout')
    .option('--repository <owner/name=path-or-url>', 'where to clone a repository from (local clones for offline use); repeatable', collect, [])
    .option('--sandbox <kind>', 'docker: the instance environments for selectors that run code; none (default)')
    .option('--cache-dir <dir>', 'repository mirror cache')
    .option('--spec-file <file>', 'with --sandbox docker: JSON array of environment specs, before the built-in ones')
    .option('--output <dir>', 'folder of predictions.jsonl, choices.jsonl, scorecard.json and scorecard.md (default ./selection)')
    .option('--run-id <id>', 'the id of the selection run (default derived from the inputs and the selector)')
    .option('--model-name <name>', 'model_name_or_path of the predictions written (default select-<selector>)')
    .option('--concurrency <n>', 'instances selected at once (default 4)')
    .option('--base-url <url>', "endpoint of a selector's model (OpenAI-compatible)")
    .option('--model <name>', "the selector's model")
    .option('--api-key-env <name>', 'environment variable holding the API key')
    .option('--json', 'print the outcome as JSON on stdout')
    .action(async (flags: SelectFlags, command: Command) => {
      const options = parseFlags(command, flags);
      await abortOnInterrupt(async (signal) => {
        try {
          const outcome = await runSelection(options, { signal, log: (message) => void process.stderr.write(`${message}\n`) });
          if (options.json) process.stdout.write(`${JSON.stringify(outcome, null, 2)}\n`);
          else {
            process.stdout.write(formatSelectionScorecardMarkdown(outcome.scorecard, `Selection ${outcome.runId} (${outcome.selector.name})`));
            const problems = outcome.problems;
            const lines = [
              ...problems.duplicateSources.map((problem) => `duplicate source ${problem.source}: ${problem.reason}`),
              ...problems.emptySources.map((problem) => `source without candidates ${problem.source}: ${problem.reason}`),
              ...(problems.unknownInstanceIds.length > 0 ? [`instance ids not in the dataset (not selected over): ${problems.unknownInstanceIds.join(', ')}`] : []),
              ...(problems.invalidCandidates.length > 0 ? [`candidates that are not a diff (recorded as invalid): ${problems.invalidCandidates.length}`] : []),
              ...outcome.choices.filter((choice) => choice.status === 'failed').map((choice) => `failed ${choice.instanceId}: ${choice.reason}`),
            ];
            if (lines.length > 0) process.stdout.write(`\n${lines.join('\n')}\n`);
            process.stdout.write(
              `\npredictions: ${outcome.files.predictions}\nrun: ${outcome.runId} in ${outcome.storage} (codemonkeys report ${outcome.runId} --storage ${outcome.storage})\n`,
            );
          }
          process.exitCode = outcome.scorecard.failedInstances > 0 ? exitCodes.failure : exitCodes.ok;
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
