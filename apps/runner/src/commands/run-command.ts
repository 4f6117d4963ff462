import { Option, type Command } from 'commander';
import type { RunFlags } from '../config/run-flags';
import { runExperimentCommand, type RunCommandOptions } from '../execution/run-experiment-command';

// Kept here too: the demo and earlier callers import them from this module.
export { UsageError } from '../config/usage-error';
export { isUsageError } from './cli-errors';

export interface RunCommandFlags extends RunFlags {
  runId?: string;
  queuePrefix?: string;
  queueName?: string;
  detach?: boolean;
  /** Exit 0 even when some instances are partial (work that obtained no result: endpoint, sandbox, budget). */
  allowPartial?: boolean;
  progress: 'auto' | 'bar' | 'lines';
  json?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** The options every experiment-running command shares (`run`, and the parts of `demo` that apply). */
export function addExperimentOptions(command: Command): Command {
  return command
    .option('--dataset <file>', 'SWE-bench dataset: JSONL, JSON array or Hugging Face parquet')
    .option('--instances <ids>', 'instance ids or globs, comma-separated or repeated', collect, [])
    .option('--slice <start:end>', 'a slice of the selected instances, e.g. 0:20')
    .option('--repo <owner/name>', 'only instances of this repository')
    .option('--localizer <name>', 'localizer plugin (short name, package or path); repeat to fuse several by reciprocal rank', collect, [])
    .option('--generator <name>', 'generator plugin (short name, package or path)')
    .option('--selector <name>', 'selector plugin (short name, package or path)')
    .option('--set <key=value>', 'a plugin option (generator.samples=8) or a hyper-parameter (temperature=0.2); repeatable', collect, [])
    .option('--model <name>', 'model of the default endpoint')
    .option('--base-url <url>', 'OpenAI-compatible (or Anthropic) base URL of the default endpoint, e.g. http://127.0.0.1:8000/v1')
    .option('--api-key-env <variable>', 'environment variable holding the API key (the key is never stored)')
    .option('--endpoint-name <name>', 'stable name of the endpoint (cache keys survive a change of port)')
    .option('--max-concurrent <n>', 'model requests in flight to the default endpoint')
    .option('--storage <url>', 'sqlite:PATH (default sqlite:./runs.db), firestore://PROJECT[/ROOT/DOC][?database=ID&emulator=HOST:PORT] or memory:')
    .option('--output <dir>', 'folder of predictions and reports (default ./codemonkeys-output)')
    .option('--name <name>', 'experiment name (starts the experiment and run ids)')
    .option('--vary <key=v1,v2>', 'ablation: one run per value (and per combination of several --vary); repeatable', collect, [])
    .option('--concurrency <n>', '(instance × run) items worked on at once (default 16)')
    .option('--containers <n>', 'sandbox commands at once over all instances (default 2)')
    .option('--cpu <n>', 'CPU-bound tasks at once (default 2)')
    .option('--budget-tokens <n>', 'stop starting new work once this many tokens are spent (over every invocation of the runs)')
    .option('--budget-usd <x>', 'stop starting new work once this many dollars are spent')
    .option('--retries <n>', 'further attempts of a failed instance (default 1)')
    .addOption(new Option('--sandbox <kind>', 'docker (default) or none (no sandbox: no generated-test runs, no gold tests)').choices(['docker', 'none']))
    .option('--spec-file <file>', 'JSON array of environment specs, used before the built-in ones')
    .addOption(
      new Option(
        '--environments <mode>',
        'gold validation of each environment before any model call, once per storage: all (run every instance, flag the ones not reproduced; default), validated (leave them out), unchecked',
      ).choices(['all', 'validated', 'unchecked']),
    )
    .option('--registry <host[:port][/path]>', 'registry mirror that official instance images (specKind swebench-image) are pulled from')
    .option('--max-image-disk <size>', 'disk budget of environment images (e.g. 50G): past it, the least recently used ones are removed')
    .option('--repository <owner/name=path-or-url>', 'where to clone a repository from; repeatable', collect, [])
    .option('--cache-dir <dir>', 'repository mirror cache (default ~/.cache/codemonkeys/repositories)')
    .addOption(
      new Option(
        '--stages <which>',
        'all (default): localize, generate, select; localize: a localization-only run (contexts, their rewards and the report; no generator or selector needed)',
      ).choices(['all', 'localize']),
    )
    .option('--no-rewards', 'compute no pseudo-rewards')
    .option(
      '--no-reuse-localizations',
      'localize every instance again instead of reusing what an earlier run of the storage computed with the same localizer, options, models and hypers',
    )
    .addOption(new Option('--gold-tests <which>', 'SWE-bench verdicts of every distinct candidate, of the chosen patch only, or none').choices(['candidates', 'selected', 'none']))
    .addOption(new Option('--progress <mode>', 'progress on stderr').choices(['auto', 'bar', 'lines']).default('auto'))
    .option('--json', 'print the outcome as JSON on stdout');
}

export function registerRunCommand(program: Command): void {
  addExperimentOptions(
    program
      .command('run')
      .argument('[experiment]', 'an experiment config (.json), or a code experiment module (.ts, .mts, .js, .mjs) exporting defineExperiment(...)')
      .description(
        'Run an experiment: localize, generate and select for every instance (and every point of --vary), with rewards after each stage. ' +
          'Writes predictions.jsonl per run and report.{md,json,html}; run the same command again to resume.',
      ),
  )
    .option('--run-id <id>', 'name of the run (a single-run experiment); default derived from the config, so the same command resumes')
    .option('--queue <redis-url>', 'enqueue (instance × run) jobs in Redis for `codemonkeys worker` processes instead of running them here')
    .option('--queue-prefix <prefix>', 'Redis key prefix of the queue (default codemonkeys)')
    .option('--queue-name <name>', 'queue name (default runs)')
    .option('--detach', 'with --queue: enqueue and exit without waiting for the workers')
    .option(
      '--allow-partial',
      'exit 0 even when some instances are partial (work that obtained no result because the endpoint, the sandbox or the budget failed; they are still reported, and the same command redoes that work)',
    )
    .addHelpText(
      'after',
      `
Exit codes: 0 every instance done; 1 some instance failed after its retries, or is partial (work that
obtained no result: endpoint, sandbox or budget failures; --allow-partial exits 0 for those); 2 invalid input (options,
config, dataset, --instances, plugin names, storage); 3 the budget was spent first; 130 interrupted
(finished stages are kept: run the same command).`,
    )
    .action(async (experiment: string | undefined, flags: RunCommandFlags) => {
      // Errors go to the CLI's one handler (cli-errors.ts), which picks the exit code.
      process.exitCode = await runExperimentCommand({ experiment, flags, cwd: process.cwd() } satisfies RunCommandOptions);
    });
}
