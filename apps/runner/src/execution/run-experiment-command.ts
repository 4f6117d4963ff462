import fs from 'node:fs/promises';
import path from 'node:path';
import type { SequenceStorage } from '@codemonkeys/protocol';
import { resolveRunConfig } from '../config/run-flags';
import type { ExperimentConfig } from '../config/experiment-config';
import type { RunCommandFlags } from '../commands/run-command';
import { exitCodes } from '../exit-codes';
import { isCodeExperimentModule, openCodeExperiment } from '../experiment/code-experiment';
import { createProgressLogger } from '../progress/progress-logger';
import { createRunProgress } from '../progress/run-progress';
import { enqueueAndWait } from '../queue/queue-dispatch';
import { formatTerminalReport } from '../report/format-terminal-report';
import { openStorage } from '../storage/open-storage';
import { parseStorageUrl } from '../storage/storage-url';
import { openConfiguredExperiment, type OpenedExperiment } from './open-configured-experiment';
import { instanceStateKey, type InstanceState } from './process-instance';
import { createRunControl, type RunControl } from './run-control';
import { runInvocation, type RunInvocationOutcome } from './run-invocation';
import { describeEnvironmentValidation, validateEnvironments, type EnvironmentValidationSummary } from './environment-validation';
import { UsageError } from '../config/usage-error';

export interface RunCommandOptions {
  experiment: string | undefined;
  flags: RunCommandFlags;
  cwd: string;
  /** Where the scorecard and messages go (tests capture them). */
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WriteStream;
  /** A banner printed first (the demo says its model is scripted). */
  banner?: string;
  /** Installs SIGINT/SIGTERM handlers (default true). */
  handleSignals?: boolean;
}

/** Opens the run's storage; the folder of a SQLite file is created first. */
async function openRunStorage(url: string, cwd: string): Promise<SequenceStorage> {
  const location = parseStorageUrl(url, cwd);
  if (location.kind === 'sqlite' && location.path !== ':memory:') await fs.mkdir(path.dirname(location.path), { recursive: true });
  return openStorage(url, { cwd });
}

/** The exit code of an invocation (see exit-codes.ts and the README). */
export function exitCodeOf(outcome: RunInvocationOutcome, options: { allowPartial?: boolean } = {}): number {
  if (outcome.stopReason === 'interrupt' && outcome.runs.some((run) => run.pending > 0)) return exitCodes.interrupted;
  if (outcome.stopReason === 'budget' && outcome.runs.some((run) => run.pending > 0)) return exitCodes.budget;
  if (outcome.runs.some((run) => run.failed > 0 || run.pending > 0 || (run.partial > 0 && !options.allowPartial))) return exitCodes.failure;
  return exitCodes.ok;
}

/** Ctrl-C once: finish the stages in flight (stored) and stop; twice: exit at once (the next run reaps containers). */
function installSignals(control: RunControl, say: (message: string) => void): () => void {
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts += 1;
    if (interrupts === 1) {
      control.requestStop('interrupt');
      say('interrupted: finishing the stages in flight (they are stored, nothing is lost); press Ctrl-C again to exit at once');
      return;
    }
    control.abort();
    say('interrupted again: exiting now; run the same command to resume');
    process.exit(exitCodes.interrupted);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

/** `codemonkeys run`: everything from the arguments to the exit code. */
export async function runExperimentCommand(options: RunCommandOptions): Promise<number> {
  const { flags, cwd } = options;
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const logger = createProgressLogger();
  logger.sink = (line) => void stderr.write(`${line}\n`);
  const control = createRunControl();
  const uninstall = options.handleSignals === false ? () => undefined : installSignals(control, (message) => logger.sink(message));
  let storage: SequenceStorage | undefined;
  let opened: OpenedExperiment | undefined;
  try {
    if (options.banner) stderr.write(`${options.banner}\n`);
    let config: Pick<ExperimentConfig, 'queue' | 'storage' | 'output' | 'concurrency' | 'retries' | 'retryDelayMs'>;
    let sandboxConfig: ExperimentConfig['sandbox'] | undefined;
    if (options.experiment && isCodeExperimentModule(options.experiment)) {
      const code = await openCodeExperiment(path.resolve(cwd, options.experiment), flags, {
        cwd,
        control,
        logger,
        openStorage: async (url) => (storage = await openRunStorage(url, cwd)),
        log: (message) => logger.sink(message),
      });
      opened = code.opened;
      config = code.config;
    } else {
      const full = resolveRunConfig(options.experiment, flags, cwd);
      config = full;
      sandboxConfig = full.sandbox;
      storage = await openRunStorage(full.storage, cwd);
      opened = await openConfiguredExperiment(full, { cwd, ...(flags.runId ? { runId: flags.runId } : {}), storage, control, logger, log: (message) => logger.sink(message) });
    }
    const { runtime, instances } = opened;
    let instanceIds = instances.map((instance) => instance.instanceId);
    // Gold validation of the environments before any model call (config runs with a sandbox; code experiments open their own).
    let environments: EnvironmentValidationSummary | undefined;
    if (sandboxConfig && sandboxConfig !== 'none' && sandboxConfig.environments !== 'unchecked') {
      stderr.write(`validating the environments of ${instanceIds.length} instance(s) (gold resolves, the base commit does not; once per storage)\n`);
      const validated = await validateEnvironments({
        resources: runtime.environment.resources,
        instances,
        mode: sandboxConfig.environments,
        concurrency: config.concurrency.containers,
        log: (message) => logger.sink(message),
      });
      environments = validated.summary;
      for (const line of describeEnvironmentValidation(environments)) stderr.write(`${line}\n`);
      if (environments.excluded.length > 0) {
        const excluded = new Set(environments.excluded);
        instanceIds = instanceIds.filter((id) => !excluded.has(id));
        if (instanceIds.length === 0)
          throw new UsageError(
            `No selected instance's environment is reproduced (${excluded.size} left out by --environments validated); fix the specs, or run with --environments all.`,
          );
      }
    }
    const queueUrl = config.queue;
    stderr.write(
      `experiment ${runtime.experimentId}: ${runtime.runs.length} run(s) × ${instanceIds.length} instance(s)` +
        `${runtime.runs.length > 1 ? ` (${runtime.runs.map((run) => run.label).join(' | ')})` : ''}; storage ${config.storage}; output ${config.output}` +
        `${queueUrl ? `; queue ${queueUrl}` : ''}\n`,
    );
    const progress = createRunProgress({
      total: instanceIds.length * runtime.runs.length,
      mode: flags.json && flags.progress === 'auto' ? 'lines' : flags.progress,
      stream: stderr,
      totals: () => {
        const totals = runtime.environment.resources.models.totals();
        return { tokens: totals.usage.inputTokens + totals.usage.outputTokens, costUsd: totals.costUsd, endpointRequests: totals.endpointRequests, cacheHits: totals.cacheHits };
      },
    });
    logger.sink = (line) => progress.log(line);
    const outcome = await runInvocation({
      runtime,
      storage: storage!,
      storageUrl: config.storage,
      instanceIds,
      ...(environments ? { environments } : {}),
      concurrency: config.concurrency.instances,
      retries: config.retries,
      retryDelayMs: config.retryDelayMs,
      output: config.output,
      control,
      progress,
      ...(queueUrl
        ? {
            dispatch: (items) =>
              enqueueAndWait({
                url: queueUrl,
                prefix: flags.queuePrefix ?? 'codemonkeys',
                name: flags.queueName ?? 'runs',
                items,
                experimentId: runtime.experimentId,
                storageUrl: config.storage,
                retries: config.retries,
                detach: flags.detach ?? false,
                control,
                progress,
                isDone: async (item) => ((await storage!.getWorkState(item.run.runId, item.instanceId, instanceStateKey))?.state as InstanceState | undefined)?.status === 'done',
              }),
          }
        : {}),
    });
    logger.sink = (line) => void stderr.write(`${line}\n`);
    if (flags.json) {
      stdout.write(
        `${JSON.stringify(
          {
            experimentId: outcome.experimentId,
            runs: outcome.runs,
            stopReason: outcome.stopReason ?? null,
            reportFiles: outcome.reportFiles,
            scorecards: outcome.reports.map((report) => report.scorecard),
            environments: environments ?? null,
          },
          null,
          2,
        )}\n`,
      );
    } else {
      stdout.write(formatTerminalReport(outcome.reports, { color: (stdout as NodeJS.WriteStream).isTTY === true }));
      if (environments && environments.notReproduced.length + environments.unvalidated.length > 0)
        stdout.write(
          `environments: ${environments.notReproduced.length} instance(s) not reproduced and ${environments.unvalidated.length} not validated ${environments.mode === 'validated' ? 'were left out' : 'ran anyway: their verdicts say little about the patches'} (${[...environments.notReproduced, ...environments.unvalidated].map((entry) => entry.instanceId).join(', ')})\n`,
        );
      for (const run of outcome.runs)
        stdout.write(`${run.label}: ${run.done} done, ${run.failed} failed, ${run.partial} partial, ${run.pending} not finished — predictions ${run.predictions}\n`);
      if (outcome.runs.some((run) => run.partial > 0))
        stdout.write(
          'Some instances are partial (work that obtained no result: endpoint, sandbox or budget failures): fix the cause and run the same command; only that work is redone.\n',
        );
      stdout.write(`reports: ${outcome.reportFiles.markdown}, ${outcome.reportFiles.html}, ${outcome.reportFiles.json}\n`);
      if (outcome.stopReason === 'budget') stdout.write('The budget is spent: raise --budget-usd / --budget-tokens and run the same command to continue.\n');
      if (outcome.stopReason === 'interrupt') stdout.write('Interrupted: run the same command to resume (finished stages are kept).\n');
    }
    return exitCodeOf(outcome, { allowPartial: flags.allowPartial === true });
  } finally {
    uninstall();
    await opened?.runtime.close().catch(() => undefined);
    await storage?.close().catch(() => undefined);
  }
}
