import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  InvalidPluginError,
  SelectionSchema,
  UnsupportedCapabilityError,
  createPluginInstance,
  parseWithSchema,
  readAllPages,
  silentLogger,
  supportedSpecificationVersions,
  withCallLabels,
  type Instance,
  type Patch,
  type RewardRecord,
  type SelectorV1_1,
  type SequenceStorage,
  type StageResultQuery,
  type StageResultRecord,
  type WorkStateRecord,
} from '@codemonkeys/protocol';
import { generationRewardNames, selectionRewardNames, selectionRewards, type SelectionRewards } from '@codemonkeys/rewards';
import type { DockerSandbox } from '@codemonkeys/sandbox-docker';
import { loadDataset, writePredictions, type EvaluationEnvironment, type Prediction } from '@codemonkeys/swebench';
import { isUsageError } from '../commands/cli-errors';
import { UsageError } from '../config/usage-error';
import { DockerSandboxConfigSchema, ModelEndpointConfigSchema } from '../config/experiment-config';
import { openRunnerEnvironment } from '../evaluation/evaluation-environment';
import { stageNames } from '../experiment/experiment-plan';
import { createModelClients, type ModelClients } from '../execution/model-clients';
import { instanceStateKey } from '../execution/process-instance';
import { packageMeta } from '../package-meta';
import { loadPlugin } from '../plugins/load-plugin';
import { shortPluginName } from '../plugins/plugin-name';
import { openStorage } from '../storage/open-storage';
import { loadCandidateSources, type CandidateSource, type SourceCandidate, type SourceProblems } from './candidate-sources';
import { degradationsFor, type Degradation } from './environment-degradations';
import { createSelectionContext } from './selection-context';
import { formatSelectionScorecardMarkdown, selectionScorecard, type InstanceSelectionFigures, type SelectionScorecard } from './selection-scorecard';
import type { SelectOptions } from './select-options';

/** A candidate that is neither empty nor a unified diff cannot be applied: it is recorded as invalid, never passed off as empty. */
export function diffProblemOf(diff: string): string | undefined {
  if (diff.trim() === '') return undefined;
  if (/^diff --git /m.test(diff)) return undefined;
  if (/^--- /m.test(diff) && /^\+\+\+ /m.test(diff) && /^@@ /m.test(diff)) return undefined;
  return 'not a unified diff (no "diff --git" header, nor ---/+++ file headers with an @@ hunk)';
}

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

/** One candidate of an instance's pool, in the stable order (source name, sample, diff hash). */
interface PooledCandidate {
  candidate: SourceCandidate;
  source: CandidateSource;
  invalid?: string;
  label: boolean | undefined;
}

/** The choice on one instance, as written to choices.jsonl and the run's records. */
export interface InstanceChoice {
  instanceId: string;
  status: 'selected' | 'no-candidates' | 'failed';
  /** Position of the chosen candidate in `candidates` (the stored sample). */
  chosen: number | null;
  source: string | null;
  reason: string;
  candidates: Array<{ source: string; status: 'ok' | 'empty' | 'invalid'; invalid?: string; resolved: boolean | null }>;
  resolved: boolean | null;
  durationMs: number;
}

export interface SelectionOutcome {
  runId: string;
  experimentId: string;
  selector: { name: string; version: string; specificationVersion: string; options: Record<string, unknown> };
  sources: Array<{ name: string; kind: string; from: string; candidates: number; labelsFrom: string | null }>;
  problems: SourceProblems & {
    /** Instance ids of candidates that are not in the dataset given (never selected over). */
    unknownInstanceIds: string[];
    /** Instances of the dataset that no source has a candidate for. */
    instancesWithoutCandidates: string[];
    invalidCandidates: Array<{ instanceId: string; source: string; reason: string }>;
  };
  environment: { workspace: string; sandbox: string; model: string };
  degradations: Degradation[];
  scorecard: SelectionScorecard;
  choices: InstanceChoice[];
  files: { predictions: string; scorecardJson: string; scorecardMarkdown: string; choices: string };
  storage: string;
}

/** Runs `work` on each item with at most `limit` at once, results in the items' order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

const compareText = (left: string, right: string): number => (left < right ? -1 : left > right ? 1 : 0);

/**
 * `codemonkeys select`: pools the candidates of every source per instance (in an order that does not
 * depend on the order of the inputs), runs the selector plugin on each instance with a capability context
 * (no labels, verdicts or gold data reach it), writes the predictions, the per-instance choices and the
 * scorecard, and stores the whole as a run of its own (experiment and run records, `generate` and `select`
 * stage results, candidate labels and selection rewards) that `codemonkeys report` and `runs` show.
 */
export async function runSelection(options: SelectOptions, io: { signal: AbortSignal; log: (message: string) => void; cwd?: string }): Promise<SelectionOutcome> {
  const started = performance.now();
  const cwd = io.cwd ?? process.cwd();
  const storage: SequenceStorage = await openStorage(options.storage, { cwd });
  const closers: Array<() => Promise<void>> = [() => storage.close()];
  try {
    const loaded = await loadCandidateSources({
      predictions: options.predictions,
      runs: options.runs,
      experiments: options.experiments,
      labels: options.labels,
      storage: async () => storage,
      storageUrl: options.storage,
    });
    const dataset: Instance[] | undefined = options.dataset ? await loadDataset(options.dataset) : undefined;
    const loadMs = performance.now() - started;

    // Pools per instance, in a stable order.
    const datasetIds = dataset ? new Set(dataset.map((instance) => instance.instanceId)) : undefined;
    const pools = new Map<string, PooledCandidate[]>();
    const unknown = new Set<string>();
    for (const source of loaded.sources)
      for (const candidate of source.candidates) {
        if (datasetIds && !datasetIds.has(candidate.instanceId)) {
          unknown.add(candidate.instanceId);
          continue;
        }
        const invalid = diffProblemOf(candidate.diff);
        const pooled: PooledCandidate = { candidate, source, label: source.labelOf?.(candidate), ...(invalid ? { invalid } : {}) };
        (pools.get(candidate.instanceId) ?? pools.set(candidate.instanceId, []).get(candidate.instanceId)!).push(pooled);
      }
    const sampleOf = (pooled: PooledCandidate): number => (pooled.candidate.origin.kind === 'run' ? pooled.candidate.origin.sample : 0);
    for (const pool of pools.values())
      pool.sort(
        (left, right) => compareText(left.source.name, right.source.name) || sampleOf(left) - sampleOf(right) || compareText(sha(left.candidate.diff), sha(right.candidate.diff)),
      );
    const instanceIds = [...new Set([...(dataset ? dataset.map((instance) => instance.instanceId) : []), ...pools.keys()])].sort(compareText);
    if (datasetIds && unknown.size > 0)
      io.log(
        `${unknown.size} instance id(s) of the candidates are not in ${options.dataset}, and are not selected over: ${[...unknown].sort().slice(0, 10).join(', ')}${unknown.size > 10 ? ', …' : ''}`,
      );
    for (const problem of [...loaded.problems.duplicateSources, ...loaded.problems.emptySources]) io.log(`${problem.source}: ${problem.reason}`);

    // The selector, its options and what it has of the environment.
    const plugin = await loadPlugin(options.selector, 'selector', { cwd });
    const definition = plugin.definition;
    const environmentStarted = performance.now();
    let environment: EvaluationEnvironment<DockerSandbox | undefined> | undefined;
    const environmentNotes = {
      workspace: 'none: no --dataset',
      sandbox: options.sandbox === 'docker' ? 'requested' : 'none: --sandbox none',
      model: options.baseUrl ? `${options.model} at ${options.baseUrl}` : 'none: no --base-url',
    };
    const hash = sha(
      JSON.stringify({
        sources: loaded.sources.map((source) => [source.name, sha(JSON.stringify(source.candidates.map((candidate) => [candidate.instanceId, candidate.diff])))]),
        selector: [definition.meta.name, definition.meta.version, options.selectorOptions],
        dataset: options.dataset ? path.resolve(cwd, options.dataset) : null,
        sandbox: options.sandbox,
        model: options.model ?? null,
      }),
    ).slice(0, 12);
    const experimentId = `select-${hash}`;
    const runId = options.runId ?? experimentId;
    if (dataset) {
      const repositorySources = Object.fromEntries(
        options.repository.map((mapping) => [mapping.slice(0, mapping.indexOf('=')), path.resolve(cwd, mapping.slice(mapping.indexOf('=') + 1))]),
      );
      const base = {
        instances: dataset.filter((instance) => pools.has(instance.instanceId)),
        labels: { 'codemonkeys.select': runId },
        ...(options.cacheDirectory ? { cacheDirectory: path.resolve(cwd, options.cacheDirectory) } : {}),
        repositorySources,
        log: io.log,
      };
      if (options.sandbox === 'docker') {
        try {
          environment = await openRunnerEnvironment({
            ...base,
            sandbox: DockerSandboxConfigSchema.parse(options.specFile ? { specFile: path.resolve(cwd, options.specFile) } : {}),
          });
          environmentNotes.sandbox = 'docker';
        } catch (error) {
          // A bad spec file is the user's to fix (exit 2); Docker that cannot be opened degrades to the
          // checkouts alone, said in the records and on stderr.
          if (isUsageError(error)) throw error;
          environmentNotes.sandbox = `none: Docker could not be opened (${(error as Error).message.split('\n')[0]})`;
          io.log(`selection without a sandbox: ${environmentNotes.sandbox}`);
        }
      }
      environment ??= await openRunnerEnvironment({ ...base, sandbox: 'none' });
      closers.unshift(() => environment!.close());
      environmentNotes.workspace = `checkouts of the dataset's repositories${options.repository.length > 0 ? ` (${options.repository.join(', ')})` : ' (public GitHub URLs)'}`;
    }
    const environmentMs = performance.now() - environmentStarted;
    const degradations = degradationsFor(
      definition.meta.name,
      { workspace: environment !== undefined, sandbox: environment?.instanceSandboxes !== undefined, model: options.baseUrl !== undefined },
      options.selectorOptions,
    );
    for (const degradation of degradations) io.log(`selector ${definition.meta.name}: ${degradation.reason}`);
    const selectorOptions = { ...Object.assign({}, ...degradations.map((degradation) => degradation.options)), ...options.selectorOptions } as Record<string, unknown>;

    let models: ModelClients | undefined;
    if (options.baseUrl && options.model) {
      models = createModelClients({
        models: { default: ModelEndpointConfigSchema.parse({ baseUrl: options.baseUrl, model: options.model, ...(options.apiKeyEnv ? { apiKeyEnv: options.apiKeyEnv } : {}) }) },
        budgets: {},
        storage,
      });
      const clients = models;
      closers.unshift(() => clients.close());
    }
    const sandboxed = new Set<string>();
    const context = createSelectionContext({
      storage,
      runId,
      pluginName: definition.meta.name,
      instances: new Map((dataset ?? []).map((instance) => [instance.instanceId, instance])),
      environment,
      models,
      logger: { ...silentLogger, warn: (message) => io.log(message), error: (message) => io.log(message) },
      signal: io.signal,
      onSandbox: (instanceId) => sandboxed.add(instanceId),
    });
    const selector: SelectorV1_1 = await createPluginInstance(definition, selectorOptions, context, { experimentId, runId });
    const resolvedPlugin = {
      stage: stageNames.select as string,
      name: definition.meta.name,
      version: definition.meta.version,
      specificationVersion: definition.specificationVersion,
      options: selectorOptions,
    };
    const modelNameOrPath = options.modelNameOrPath ?? `select-${shortPluginName(definition.meta.name) ?? definition.meta.name}`;

    // The experiment and run records first (so `codemonkeys runs` shows a selection in progress).
    const now = new Date().toISOString();
    const config = {
      command: 'select',
      sources: loaded.sources.map((source) => ({ name: source.name, kind: source.kind, from: source.from, labels: source.labelsFrom ?? null })),
      selector: { plugin: options.selector, options: options.selectorOptions },
      ...(options.dataset ? { dataset: options.dataset } : {}),
      sandbox: options.sandbox,
    };
    const previousExperiment = await storage.getExperiment(experimentId);
    await storage.putExperiment({ id: experimentId, name: 'select', config, configHash: hash, plugins: [resolvedPlugin], createdAt: previousExperiment?.createdAt ?? now });
    const previousRun = await storage.getRun(runId);
    // A stored run is resumed (its choices reused) only when it is the same selection: same sources, selector and options.
    if (previousRun && (previousRun.metadata as { configHash?: unknown }).configHash !== hash)
      throw new UsageError(
        `The run "${runId}" in ${options.storage} holds another selection (other sources, selector or options). Give another --run-id, or leave it out for an id derived from the inputs.`,
      );
    const runMetadata = {
      label: `select ${shortPluginName(definition.meta.name) ?? definition.meta.name}`,
      sweepIndex: 0,
      overrides: {},
      configHash: hash,
      plugins: [resolvedPlugin],
      config,
      modelNameOrPath,
      runner: packageMeta,
      protocolVersions: supportedSpecificationVersions,
      instanceIds,
      storage: options.storage,
    };
    await storage.putRun({
      id: runId,
      experimentId,
      hypers: {},
      status: 'running',
      createdAt: previousRun?.createdAt ?? now,
      updatedAt: now,
      startedAt: previousRun?.startedAt ?? now,
      metadata: runMetadata,
    });

    // Selections stored by an earlier invocation of the same run are reused (one query, not one per instance).
    const storedSelections = new Map<string, Patch | null>();
    for await (const result of readAllPages((query: StageResultQuery) => storage.queryStageResults(query), { runId, stage: stageNames.select, status: 'ok' }))
      storedSelections.set(result.instanceId, result.output as Patch | null);
    // Records are written in batches (one transaction each), flushed every few instances and at the end.
    const pending = { stageResults: [] as StageResultRecord[], rewards: [] as RewardRecord[], states: [] as WorkStateRecord[] };
    let pendingInstances = 0;
    const flush = async (): Promise<void> => {
      const batch = { stageResults: pending.stageResults.splice(0), rewards: pending.rewards.splice(0), states: pending.states.splice(0) };
      pendingInstances = 0;
      if (batch.stageResults.length > 0) await storage.putStageResults(batch.stageResults);
      if (batch.rewards.length > 0) await storage.putRewards(batch.rewards);
      for (const state of batch.states) await storage.putWorkState(state);
    };

    // Select on every instance.
    const invalidCandidates: SelectionOutcome['problems']['invalidCandidates'] = [];
    const selectOne = async (instanceId: string): Promise<{ choice: InstanceChoice; figures: InstanceSelectionFigures; prediction?: Prediction }> => {
      const pool = pools.get(instanceId) ?? [];
      const sourceResolved: Record<string, boolean | undefined> = {};
      for (const pooled of pool) if (sourceResolved[pooled.source.name] !== true) sourceResolved[pooled.source.name] = pooled.label;
      const candidateRows = pool.map((pooled) => ({
        source: pooled.source.name,
        status: pooled.invalid ? ('invalid' as const) : pooled.candidate.diff.trim() === '' ? ('empty' as const) : ('ok' as const),
        ...(pooled.invalid ? { invalid: pooled.invalid } : {}),
        resolved: pooled.label ?? null,
      }));
      for (const pooled of pool) if (pooled.invalid) invalidCandidates.push({ instanceId, source: pooled.source.name, reason: pooled.invalid });
      const base = { instanceId, candidates: candidateRows };
      if (pool.length === 0) {
        return {
          choice: { ...base, status: 'no-candidates', chosen: null, source: null, reason: 'no source has a candidate for this instance', resolved: null, durationMs: 0 },
          figures: { instanceId, candidates: 0, sourceResolved, durationMs: 0, failed: false },
        };
      }
      const patches: Patch[] = pool.map((pooled) => ({
        instanceId,
        diff: pooled.candidate.diff,
        ...(pooled.candidate.tests ? { tests: pooled.candidate.tests } : {}),
        metadata: {
          source: pooled.source.name,
          ...(pooled.candidate.origin.kind === 'run' ? { run: pooled.candidate.origin.runId, sample: pooled.candidate.origin.sample } : {}),
          ...(pooled.invalid ? { candidate: { status: 'unparseable', failure: { reason: 'invalid', message: pooled.invalid } } } : {}),
        },
      }));
      const eligible = patches.map((_, index) => index).filter((index) => !pool[index]!.invalid);
      const verdicts = pool.map((pooled) => pooled.label ?? null);
      const stageStart = new Date();
      const clock = performance.now();
      let chosen: number | null = null;
      let reason: string;
      let selectionMetadata: Record<string, unknown> = {};
      let failure: Error | undefined;
      const storedPatch = storedSelections.get(instanceId);
      if (storedPatch && typeof storedPatch.metadata?.selectedIndex === 'number' && patches[storedPatch.metadata.selectedIndex]?.diff === storedPatch.diff) {
        chosen = storedPatch.metadata.selectedIndex;
        reason = typeof storedPatch.metadata.reason === 'string' ? storedPatch.metadata.reason : 'reused from the stored selection';
      } else if (eligible.length === 0) {
        reason = 'every candidate is invalid (not a diff): nothing to select';
      } else {
        try {
          const given = eligible.map((index) => patches[index]!);
          const selection = parseWithSchema(
            SelectionSchema,
            await withCallLabels({ experimentId, runId, instanceId, stage: stageNames.select }, () => selector.run(given, instanceId)),
            `The selection of ${definition.meta.name} for ${instanceId}`,
          );
          const picked = given[selection.index];
          if (!picked || picked.diff !== selection.patch.diff)
            throw new InvalidPluginError({
              pluginName: definition.meta.name,
              reason: `its selection (index ${selection.index}) is not one of the ${given.length} candidates it was given`,
            });
          chosen = eligible[selection.index]!;
          // v1 selectors give their reason in `metadata.selection.reasoning` (vote, rank), not in the v1.1 field.
          const reasoning = (selection.patch.metadata.selection as { reasoning?: unknown } | undefined)?.reasoning;
          reason = selection.reason || (typeof reasoning === 'string' && reasoning !== '' ? reasoning : 'the selector gave no reason');
          selectionMetadata = { ...selection.metadata, ...(selection.patch.metadata.selection ? { selection: selection.patch.metadata.selection } : {}) };
        } catch (error) {
          if (io.signal.aborted) throw error;
          failure = error as Error;
          reason = UnsupportedCapabilityError.isInstance(error)
            ? `the selector needs a capability this selection does not have: ${(error as Error).message}`
            : `the selector failed: ${(error as Error).message}`;
        }
      }
      const durationMs = performance.now() - clock;
      const finishedAt = new Date().toISOString();
      const rewards: SelectionRewards | undefined = chosen === null ? undefined : selectionRewards(verdicts, verdicts[chosen]!);
      const createdAt = finishedAt;
      const records: RewardRecord[] = [];
      pool.forEach((pooled, sample) => {
        records.push({
          runId,
          instanceId,
          stage: stageNames.generate,
          sample,
          name: generationRewardNames.empty,
          value: pooled.candidate.diff.trim() === '' ? 1 : 0,
          details: {},
          createdAt,
        });
        if (pooled.source.labelOf)
          records.push({
            runId,
            instanceId,
            stage: stageNames.generate,
            sample,
            name: generationRewardNames.resolved,
            value: pooled.label === undefined ? null : pooled.label ? 1 : 0,
            details: { source: 'labels', labels: pooled.source.labelsFrom ?? null, candidateSource: pooled.source.name },
            createdAt,
          });
      });
      if (rewards) {
        for (const [name, value] of [
          [selectionRewardNames.resolved, rewards.resolved],
          [selectionRewardNames.random, rewards.random],
          [selectionRewardNames.oracle, rewards.oracle],
          [selectionRewardNames.normalized, rewards.normalized],
          [selectionRewardNames.candidates, rewards.candidates],
        ] as const)
          records.push({ runId, instanceId, stage: stageNames.select, sample: 0, name, value, details: { chosenIndex: chosen, source: 'labels' }, createdAt });
      }
      pending.stageResults.push(
        {
          runId,
          instanceId,
          stage: stageNames.generate,
          sample: 0,
          status: 'ok',
          output: patches,
          startedAt: stageStart.toISOString(),
          finishedAt: stageStart.toISOString(),
          durationMs: 0,
          metadata: {
            plugin: 'pooled sources',
            candidates: patches.length,
            empty: candidateRows.filter((row) => row.status === 'empty').length,
            unparseable: candidateRows.filter((row) => row.status === 'invalid').length,
          },
        },
        chosen === null
          ? {
              runId,
              instanceId,
              stage: stageNames.select,
              sample: 0,
              status: failure ? 'failed' : 'skipped',
              output: null,
              ...(failure ? { error: { name: failure.name, message: failure.message } } : {}),
              startedAt: stageStart.toISOString(),
              finishedAt,
              durationMs,
              metadata: { plugin: definition.meta.name, reason },
            }
          : {
              runId,
              instanceId,
              stage: stageNames.select,
              sample: 0,
              status: 'ok',
              output: { ...patches[chosen]!, metadata: { ...patches[chosen]!.metadata, ...selectionMetadata, selectedIndex: chosen, reason } },
              startedAt: stageStart.toISOString(),
              finishedAt,
              durationMs,
              metadata: { plugin: definition.meta.name, chosen, reason, empty: patches[chosen]!.diff.trim() === '', source: pool[chosen]!.source.name },
            },
      );
      pending.rewards.push(...records);
      pending.states.push({
        runId,
        instanceId,
        key: instanceStateKey,
        state: failure ? { status: 'failed', error: { name: failure.name, message: failure.message } } : { status: 'done' },
        updatedAt: finishedAt,
      });
      pendingInstances += 1;
      if (pendingInstances >= 25) await flush();
      const choice: InstanceChoice = {
        ...base,
        status: chosen === null ? (failure ? 'failed' : 'no-candidates') : 'selected',
        chosen,
        source: chosen === null ? null : pool[chosen]!.source.name,
        reason,
        resolved: chosen === null ? null : (verdicts[chosen] ?? null),
        durationMs,
      };
      return {
        choice,
        figures: { instanceId, candidates: pool.length, ...(rewards ? { rewards } : {}), sourceResolved, durationMs, failed: failure !== undefined },
        ...(chosen === null ? {} : { prediction: { instance_id: instanceId, model_name_or_path: modelNameOrPath, model_patch: patches[chosen]!.diff } }),
      };
    };
    const results = await mapLimited(instanceIds, options.concurrency, selectOne);
    await models?.flush();
    await flush();

    // Outputs.
    const output = path.resolve(cwd, options.output);
    await fs.mkdir(output, { recursive: true });
    const files = {
      predictions: path.join(output, 'predictions.jsonl'),
      scorecardJson: path.join(output, 'scorecard.json'),
      scorecardMarkdown: path.join(output, 'scorecard.md'),
      choices: path.join(output, 'choices.jsonl'),
    };
    await writePredictions(
      files.predictions,
      results.flatMap((result) => (result.prediction ? [result.prediction] : [])),
    );
    const selectorMs = results.reduce((sum, result) => sum + result.choice.durationMs, 0);
    const selectedCount = results.filter((result) => result.choice.status !== 'no-candidates').length;
    const totals = models?.totals();
    const sourceFigures = loaded.sources.map((source) => {
      const inPools = [...pools.values()].flatMap((pool) => pool.filter((pooled) => pooled.source === source));
      return {
        source: source.name,
        from: source.from,
        candidates: inPools.length,
        nonEmpty: inPools.filter((pooled) => pooled.candidate.diff.trim() !== '').length,
        invalid: inPools.filter((pooled) => pooled.invalid).length,
        labelsFrom: source.labelsFrom ?? null,
      };
    });
    const scorecard = selectionScorecard(
      results.map((result) => result.figures),
      sourceFigures,
      {
        wallTimeMs: performance.now() - started,
        loadMs,
        environmentMs,
        selectorMs,
        selectorMeanMs: selectedCount === 0 ? null : selectorMs / selectedCount,
        tokens: { input: totals?.usage.inputTokens ?? 0, output: totals?.usage.outputTokens ?? 0 },
        modelCalls: totals?.calls ?? 0,
        costUsd: totals?.costUsd ?? 0,
        containers: sandboxed.size,
      },
    );
    const outcome: SelectionOutcome = {
      runId,
      experimentId,
      selector: { name: definition.meta.name, version: definition.meta.version, specificationVersion: definition.specificationVersion, options: selectorOptions },
      sources: loaded.sources.map((source) => ({
        name: source.name,
        kind: source.kind,
        from: source.from,
        candidates: source.candidates.length,
        labelsFrom: source.labelsFrom ?? null,
      })),
      problems: {
        ...loaded.problems,
        unknownInstanceIds: [...unknown].sort(compareText),
        instancesWithoutCandidates: results
          .filter((result) => result.choice.status === 'no-candidates' && result.choice.candidates.length === 0)
          .map((result) => result.choice.instanceId),
        invalidCandidates: invalidCandidates.sort((left, right) => compareText(left.instanceId, right.instanceId) || compareText(left.source, right.source)),
      },
      environment: environmentNotes,
      degradations,
      scorecard,
      choices: results.map((result) => result.choice),
      files,
      storage: options.storage,
    };
    await fs.writeFile(files.choices, outcome.choices.map((choice) => JSON.stringify(choice)).join('\n') + (outcome.choices.length > 0 ? '\n' : ''));
    const { choices: _choices, ...summary } = outcome;
    await fs.writeFile(files.scorecardJson, `${JSON.stringify(summary, null, 2)}\n`);
    await fs.writeFile(files.scorecardMarkdown, formatSelectionScorecardMarkdown(scorecard, `Selection ${runId} (${definition.meta.name})`));

    const failed = scorecard.failedInstances;
    const finished = new Date().toISOString();
    const run = (await storage.getRun(runId))!;
    await storage.putRun({
      ...run,
      status: failed > 0 ? 'failed' : 'completed',
      updatedAt: finished,
      finishedAt: finished,
      metadata: {
        ...run.metadata,
        outcome: { done: results.length - failed, failed, stopped: 0, total: results.length },
        selection: { sources: outcome.sources, problems: outcome.problems, environment: environmentNotes, degradations, scorecard },
      },
    });
    return outcome;
  } finally {
    for (const close of closers) await close().catch(() => undefined);
  }
}
