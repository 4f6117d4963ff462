import { Option, type Command } from 'commander';
import { formatZodError } from '@codemonkeys/protocol';
import { exitCodes } from '../exit-codes';
import { abortOnInterrupt } from './abort-on-interrupt';
import { displayList, displayName } from '../evaluation/display-name';
import { EvalOptionsSchema, splitList, type EvalOptions } from '../evaluation/eval-options';
import { runEnvironmentCheck, type EnvironmentCheckOutcome } from '../evaluation/run-environment-check';
import { runEvaluation, type EvaluationOutcome } from '../evaluation/run-evaluation';
import { describeRegrade, runRegrade } from '../evaluation/run-regrade';

interface EvalFlags {
  dataset?: string;
  predictions?: string[];
  checkSpec?: boolean;
  regrade?: string;
  registry?: string;
  maxImageDisk?: string;
  instances: string[];
  containers?: string;
  concurrency?: string;
  repeat?: string;
  output?: string;
  runId?: string;
  repository: string[];
  specFile?: string;
  specKind?: string;
  timeout?: string;
  cacheDir?: string;
  memoryGb?: string;
  cpus?: string;
  isolation?: string;
  buildBaseImages: boolean;
  json?: boolean;
  progress?: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function parseFlags(command: Command, flags: EvalFlags): EvalOptions {
  const result = EvalOptionsSchema.safeParse({
    dataset: flags.dataset,
    predictions: flags.predictions ?? [],
    checkSpec: flags.checkSpec ?? false,
    regrade: flags.regrade,
    registry: flags.registry,
    maxImageDisk: flags.maxImageDisk,
    instances: splitList(flags.instances),
    containers: flags.containers,
    concurrency: flags.concurrency,
    repeat: flags.repeat,
    output: flags.output,
    runId: flags.runId,
    repository: flags.repository,
    specFile: flags.specFile,
    specKind: flags.specKind,
    timeout: flags.timeout,
    cacheDirectory: flags.cacheDir,
    memoryGb: flags.memoryGb,
    cpus: flags.cpus,
    isolation: flags.isolation,
    buildBaseImages: flags.buildBaseImages,
    json: flags.json ?? false,
    progress: flags.progress,
  });
  if (result.success) return result.data;
  return command.error(`error: invalid options for codemonkeys eval:\n${formatZodError(result.error)}`, { exitCode: exitCodes.usage, code: 'codemonkeys.usage' });
}

function describeEvaluation(outcome: EvaluationOutcome): string {
  const lines = outcome.reports.map(({ label, file, report, flaky, notInDataset }) => {
    const notApplied = report.patch_apply_failed_ids.length;
    const infrastructure = report.infrastructure_failure_ids.length;
    const unknown = report.verdict_unknown_ids?.length ?? 0;
    return [
      `${label}: ${report.total_instances} instance(s) — ${report.resolved_instances} resolved, ${report.unresolved_instances} not resolved, ` +
        `${notApplied} did not apply, ${infrastructure} environment failure(s), ${report.empty_patch_instances} empty, ${report.incomplete_ids.length} without a prediction` +
        (outcome.repeat > 1 ? `; ${outcome.repeat} repetitions: ${flaky.length} flaky, ${unknown} verdict unknown (tie)` : ''),
      `  report: ${file}`,
      ...flaky.map((entry) => `  flaky: ${displayName(entry.instanceId)} — ${entry.verdicts.join(', ')} → ${entry.verdict}`),
      ...(infrastructure > 0 ? [`  environment failures (see run_instance.log): ${displayList(report.infrastructure_failure_ids)}`] : []),
      ...(notInDataset.length > 0 ? [`  not in the dataset, not evaluated: ${notInDataset.length} prediction(s): ${displayList(notInDataset)}`] : []),
    ].join('\n');
  });
  return `${lines.join('\n')}\n${outcome.interrupted ? 'interrupted: run the same command again to resume.\n' : ''}`;
}

function describeCheck(outcome: EnvironmentCheckOutcome): string {
  const { summary } = outcome;
  const lines = [`environment check: ${summary.reproduced_ids.length} of ${summary.total_instances} instance(s) reproduced`];
  for (const [instanceId, problems] of Object.entries(summary.not_reproduced)) lines.push(`  not reproduced: ${displayName(instanceId)} — ${problems.join('; ').split('\n')[0]}`);
  for (const [instanceId, problems] of Object.entries(summary.infrastructure_failure))
    lines.push(`  environment failure: ${displayName(instanceId)} — ${problems.join('; ').split('\n')[0]}`);
  lines.push(`  summary: ${outcome.file}`);
  if (outcome.interrupted) lines.push('interrupted: run the same command again to resume.');
  return `${lines.join('\n')}\n`;
}

export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description(
      'Evaluate predictions in Docker as SWE-bench does (apply, test patch, tests, grading); writes report.json per instance and a run report. ' +
        'Run the same command again to resume a killed evaluation.',
    )
    .option('--dataset <file>', 'SWE-bench dataset: JSONL, JSON array or Hugging Face parquet')
    .option(
      '--predictions <files...>',
      'predictions files (instance_id, model_name_or_path, model_patch), or "gold" for the dataset\'s gold patches; several, or repeated. ' +
        'Files may hold several models and share model names: each (file, model) is evaluated and reported on its own',
    )
    .option('--check-spec', 'check that the environment reproduces each instance (gold resolves, FAIL_TO_PASS fails without it) before spending model calls')
    .option(
      '--regrade <dir>',
      "grade saved evaluations again from their files, without containers (this tool's folders or SWE-bench's logs/run_evaluation/...): " +
        'writes regrade.json per model folder and lists the evaluations whose verdict differs from the saved report',
    )
    .option('--instances <ids>', 'instance ids or globs, comma-separated or repeated', collect, [])
    .option('--containers <n>', 'evaluations running at once, one container each (default: one per core)')
    .addOption(new Option('--concurrency <n>', 'older name of --containers').hideHelp())
    .option(
      '--repeat <n>',
      'evaluate each prediction N times (default 1), each from the prepared state (a reset container, or a new one with --isolation fresh); ' +
        'instances whose verdict changes are reported as flaky and counted with the majority verdict (unknown on a tie)',
    )
    .option('--output <dir>', 'where reports go (default ./evaluation)')
    .option('--run-id <id>', 'name of the run; default derived from the inputs, so the same command resumes')
    .option('--repository <owner/name=path-or-url>', 'where to clone a repository from (a local clone or a URL); repeatable', collect, [])
    .option('--spec-file <file>', 'JSON array of environment specs, used before the built-in ones')
    .addOption(new Option('--spec-kind <kind>', 'debian: images built here; swebench-image: official instance images (needs a registry)').choices(['debian', 'swebench-image']))
    .option('--timeout <seconds>', "time limit of each test run (default: the spec's)")
    .option('--cache-dir <dir>', 'repository mirror cache (default: the system temporary folder)')
    .option('--memory-gb <n>', 'memory limit per container')
    .option('--cpus <n>', 'CPU limit per container')
    .addOption(
      new Option(
        '--isolation <mode>',
        "auto (default): a single-use container for instances evaluated once, else reuse; reuse: an instance's containers are reset between evaluations; fresh: a new container per evaluation",
      ).choices(['auto', 'reuse', 'fresh']),
    )
    .option('--registry <host[:port][/path]>', 'registry mirror that official instance images (--spec-kind swebench-image) are pulled from, with retries and backoff')
    .option('--max-image-disk <size>', 'disk budget of environment images (e.g. 50G): past it, the least recently used ones are removed')
    .option('--no-build-base-images', 'fail instead of building a missing Debian base image with scripts/build-base-image.sh')
    .addOption(new Option('--progress <mode>', 'progress on stderr').choices(['auto', 'bar', 'lines']))
    .option('--json', 'print the outcome as JSON on stdout')
    .action(async (flags: EvalFlags, command: Command) => {
      const options = parseFlags(command, flags);
      await abortOnInterrupt(async (signal) => {
        const io = { signal, log: (message: string) => void process.stderr.write(`${message}\n`) };
        if (options.regrade) {
          const outcome = await runRegrade(options);
          process.stdout.write(options.json ? `${JSON.stringify(outcome, null, 2)}\n` : describeRegrade(outcome));
          process.exitCode = outcome.unreadable.length > 0 ? exitCodes.failure : exitCodes.ok;
        } else if (options.checkSpec) {
          const outcome = await runEnvironmentCheck(options, io);
          process.stdout.write(options.json ? `${JSON.stringify(outcome, null, 2)}\n` : describeCheck(outcome));
          process.exitCode = outcome.interrupted ? exitCodes.interrupted : outcome.failed ? exitCodes.failure : exitCodes.ok;
        } else {
          const outcome = await runEvaluation(options, io);
          process.stdout.write(options.json ? `${JSON.stringify(outcome, null, 2)}\n` : describeEvaluation(outcome));
          process.exitCode = outcome.interrupted ? exitCodes.interrupted : outcome.failed ? exitCodes.failure : exitCodes.ok;
        }
      });
    });
}
