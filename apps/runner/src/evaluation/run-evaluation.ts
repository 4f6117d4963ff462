import fs from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { CodemonkeysError, type Instance } from '@codemonkeys/protocol';
import {
  createRunReport,
  evaluatePatch,
  evaluationArtifactNames,
  gradeEvaluation,
  readEvaluationReport,
  writeEvaluationArtifacts,
  type InfrastructureFailure,
  type InstanceReport,
  type PatchEvaluation,
  type RunReport,
} from '@codemonkeys/swebench';
import type { EvalOptions } from './eval-options';
import { defaultRunId, evaluationLayout, type EvaluationLayout } from './evaluation-layout';
import { displayList, displayName } from './display-name';
import { createEvaluationProgress } from './evaluation-progress';
import { forEachWithEvaluationResources } from './evaluation-resources';
import { loadInstancesToEvaluate } from './instances-to-evaluate';
import { loadPredictionSets, type PredictionSet } from './prediction-sets';
import { writeFileAtomically } from '../write-file-atomically';

/** An instance whose verdict changed between the repetitions of `--repeat`. */
export interface FlakyInstance {
  instanceId: string;
  /** The verdict of each repetition, in order. */
  verdicts: RepetitionVerdict[];
  /** The most frequent verdict, or `unknown` on a tie. */
  verdict: RepetitionVerdict | 'unknown';
}

/** The outcome of one evaluation of a prediction (an environment failure is no verdict on the patch). */
export type RepetitionVerdict = 'resolved' | 'unresolved' | 'not-applied' | 'environment-failure';

export interface ModelRunReport {
  model: string;
  /** Where its predictions came from: a predictions file as given, or `gold`. */
  source: string;
  /** How summaries name it: the model, and the file when the model is in several sources. */
  label: string;
  /** Its folder in the run directory. */
  directory: string;
  file: string;
  report: RunReport & RepetitionFields;
  /** `--repeat`: instances whose verdict changed between repetitions. */
  flaky: FlakyInstance[];
  /** Instance ids of its predictions that the dataset does not have (not evaluated). */
  notInDataset: string[];
}

/** What the run report adds to SWE-bench's fields: repetitions (with `--repeat` above 1) and predictions outside the dataset. */
interface RepetitionFields {
  repetitions?: number;
  flaky_ids?: string[];
  /** Flaky instances: the verdict of each repetition. */
  flaky_verdicts?: Record<string, RepetitionVerdict[]>;
  /** Instances whose repetitions tied (as many resolved as not): neither resolved nor unresolved. */
  verdict_unknown_ids?: string[];
  not_in_dataset_ids?: string[];
}

export interface EvaluationOutcome {
  runId: string;
  runDirectory: string;
  /** Evaluations of each prediction (`--repeat`). */
  repeat: number;
  reports: ModelRunReport[];
  /** Evaluations run in this invocation (a prediction times its repetitions), and those already on disk. */
  evaluated: number;
  resumed: number;
  /** Something could not be evaluated (environment failures): the command exits non-zero. */
  failed: boolean;
  interrupted: boolean;
}

export interface EvaluationIo {
  signal: AbortSignal;
  log(message: string): void;
}

interface Candidate {
  set: PredictionSet;
  patch: string;
  /** 1-based; above 1 only with `--repeat`. */
  repetition: number;
  directory: string;
}

const hasPatch = (patch: string | null | undefined): patch is string => typeof patch === 'string' && patch !== '';

/** A report on disk stands for a finished evaluation of this very patch, unless the environment failed (retried). */
async function finishedReport(candidate: Candidate, instanceId: string): Promise<InstanceReport | undefined> {
  const report = await readEvaluationReport(candidate.directory, instanceId);
  if (!report || report.infrastructure_failure) return undefined;
  const patch = await fs.readFile(`${candidate.directory}/${evaluationArtifactNames.patch}`, 'utf8').catch(() => undefined);
  return patch === candidate.patch ? report : undefined;
}

/** The evaluation of an instance that never reached a sandbox (no environment spec, say). */
function failedBeforeSandbox(instance: Instance, patch: string, failure: InfrastructureFailure): PatchEvaluation {
  const graded = gradeEvaluation({
    instanceId: instance.instanceId,
    failToPass: instance.failToPass,
    passToPass: instance.passToPass,
    patch,
    logParser: 'pytest',
    evaluation: { kind: 'infrastructure-failure', failure },
  });
  return {
    instanceId: instance.instanceId,
    report: graded.report,
    reportFile: graded.reportFile,
    resolved: false,
    application: { applied: 'not-tried' },
    infrastructureFailure: failure,
    testStatuses: {},
    patch,
    evalScript: '',
    testOutput: '',
    runLog: `${new Date().toISOString()} ${failure.kind}: ${failure.message}\n`,
    durationMs: 0,
  };
}

const verdictOf = (evaluation: PatchEvaluation): string =>
  evaluation.infrastructureFailure
    ? `error (${evaluation.infrastructureFailure.kind}): ${evaluation.infrastructureFailure.message.split('\n')[0]}`
    : evaluation.application.applied === false
      ? 'patch did not apply'
      : evaluation.resolved
        ? 'resolved'
        : `not resolved${evaluation.report.resolution_status === 'RESOLVED_PARTIAL' ? ' (partially)' : ''}`;

/**
 * `codemonkeys eval`: evaluates every prediction set, one per (source, model), on the (filtered) dataset
 * in Docker, `--repeat` times each, at most `--containers` evaluations at once (an instance's candidates
 * share its containers, reset between uses), writes SWE-bench's per-instance files and one run report per
 * set. Reports already on disk for the same patch are kept (a killed evaluation resumes, and a larger
 * `--repeat` adds only the missing repetitions); environment failures are retried.
 */
export async function runEvaluation(options: EvalOptions, io: EvaluationIo): Promise<EvaluationOutcome> {
  const instancesToEvaluate = await loadInstancesToEvaluate(options.dataset, options.instances);
  const instances = instancesToEvaluate.selected;
  const sets = await loadPredictionSets(options.predictions, instancesToEvaluate, options.dataset);
  const runId = options.runId ?? defaultRunId({ dataset: options.dataset, predictions: options.predictions, instances: options.instances, checkSpec: false });
  const layout = evaluationLayout(
    options.output,
    runId,
    instances.map((instance) => instance.instanceId),
  );
  for (const set of sets) {
    if (set.notInDataset.length > 0) {
      io.log(`${set.label}: ${set.notInDataset.length} prediction(s) for instances not in ${options.dataset}, not evaluated: ${displayList(set.notInDataset)}`);
    }
  }
  const outside = sets.reduce((sum, set) => sum + set.outsideSelection, 0);
  if (outside > 0) io.log(`${outside} prediction(s) for instances outside the --instances selection; left out`);

  // Per instance, the evaluations still to run (candidate × repetition); the rest is already on disk.
  const work: Array<{ instance: Instance; units: Candidate[] }> = [];
  let resumed = 0;
  for (const instance of instances) {
    const units: Candidate[] = [];
    for (const set of sets) {
      const patch = set.patches.get(instance.instanceId);
      if (!hasPatch(patch)) continue;
      for (let repetition = 1; repetition <= options.repeat; repetition += 1) {
        const candidate = { set, patch, repetition, directory: layout.instanceDirectory(set.directory, instance.instanceId, repetition) };
        if (await finishedReport(candidate, instance.instanceId)) resumed += 1;
        else units.push(candidate);
      }
    }
    if (units.length > 0) work.push({ instance, units });
  }
  const total = work.reduce((sum, item) => sum + item.units.length, 0);
  io.log(
    `evaluation ${runId}: ${instances.length} instance(s), ${sets.map((set) => set.label).join(', ')}${options.repeat > 1 ? `, ${options.repeat} repetitions each` : ''}; ` +
      `${total} to evaluate on ${options.containers} container(s)${resumed > 0 ? `, ${resumed} already evaluated (resuming)` : ''}; output ${layout.runDirectory}`,
  );

  let evaluated = 0;
  let failed = false;
  let interrupted = false;
  if (total > 0) {
    const progress = createEvaluationProgress({ total, label: 'evaluating', mode: options.json && options.progress === 'auto' ? 'lines' : options.progress });
    const counts = { resolved: 0, failed: 0 };
    const nameOf = (instance: Instance, candidate: Candidate): string =>
      `${displayName(instance.instanceId)}${sets.length > 1 ? ` [${candidate.set.label}]` : ''}${options.repeat > 1 ? ` (repetition ${candidate.repetition}/${options.repeat})` : ''}`;

    const record = async (instance: Instance, candidate: Candidate, evaluation: PatchEvaluation, durationMs = 0): Promise<void> => {
      // Once interrupted, results are the containers' removal, not the patch's: nothing is recorded.
      if (io.signal.aborted) return;
      await writeEvaluationArtifacts(candidate.directory, evaluation);
      evaluated += 1;
      if (evaluation.resolved) counts.resolved += 1;
      if (evaluation.infrastructureFailure) {
        counts.failed += 1;
        failed = true;
      }
      const name = nameOf(instance, candidate);
      progress.advance(`${name}: ${verdictOf(evaluation)} (${(durationMs / 1000).toFixed(1)} s)`, counts, name);
    };

    interrupted = await forEachWithEvaluationResources({
      options,
      runId,
      signal: io.signal,
      progress,
      interruptMessage: 'interrupted: removing the containers; finished reports are kept, run the same command to resume',
      items: work,
      each: async ({ instance }, candidate, sandboxes) => {
        progress.started(nameOf(instance, candidate));
        let instanceSandbox;
        try {
          instanceSandbox = sandboxes.sandboxFor(instance);
        } catch (error) {
          if (!CodemonkeysError.isInstance(error)) throw error;
          await record(instance, candidate, failedBeforeSandbox(instance, candidate.patch, { kind: 'build', message: (error as Error).message }));
          return;
        }
        const started = performance.now();
        const evaluation = await evaluatePatch({
          instance,
          patch: candidate.patch,
          instanceSandbox,
          ...(options.timeout ? { timeoutMs: options.timeout * 1000 } : {}),
        });
        await record(instance, candidate, evaluation, performance.now() - started);
      },
    });
  }

  const reports = await writeRunReports(layout, instances, sets, options.repeat);
  for (const entry of reports) if (entry.report.infrastructure_failure_ids.length > 0) failed = true;
  return { runId, runDirectory: layout.runDirectory, repeat: options.repeat, reports, evaluated, resumed, failed, interrupted: interrupted || io.signal.aborted };
}

const repetitionVerdictOf = (report: InstanceReport): RepetitionVerdict =>
  report.infrastructure_failure ? 'environment-failure' : !report.patch_successfully_applied ? 'not-applied' : report.resolved ? 'resolved' : 'unresolved';

/** The most frequent verdict, or `unknown` when two verdicts are as frequent (or there is none). */
function majorityOf(verdicts: readonly RepetitionVerdict[]): RepetitionVerdict | 'unknown' {
  if (verdicts.length === 0) return 'unknown';
  const frequency = new Map<RepetitionVerdict, number>();
  for (const verdict of verdicts) frequency.set(verdict, (frequency.get(verdict) ?? 0) + 1);
  const ranked = [...frequency].sort((a, b) => b[1] - a[1]);
  return ranked.length > 1 && ranked[0]![1] === ranked[1]![1] ? 'unknown' : ranked[0]![0];
}

/** Id lists of the run report that say what was submitted and finished, not which verdict: a tie stays in them. */
const unchangedByTies = new Set(['submitted_ids', 'completed_ids', 'incomplete_ids', 'empty_patch_ids']);

/**
 * The run report without some instances in its verdict lists (ties of `--repeat`: resolved, unresolved and
 * their subsets), the counts recomputed from the lists. The instances stay completed: they were evaluated.
 */
function withoutVerdicts(report: RunReport, ids: ReadonlySet<string>): RunReport {
  if (ids.size === 0) return report;
  const result: Record<string, unknown> = { ...report };
  for (const [key, value] of Object.entries(report)) {
    if (key.endsWith('_ids') && !unchangedByTies.has(key) && Array.isArray(value)) result[key] = (value as string[]).filter((id) => !ids.has(id));
  }
  const filtered = result as RunReport;
  return { ...filtered, resolved_instances: filtered.resolved_ids.length, unresolved_instances: filtered.unresolved_ids.length, error_instances: filtered.error_ids.length };
}

/**
 * One run report per prediction set, from the reports on disk (the record of the run, whatever invocation
 * wrote them). With repetitions, an instance counts with its majority verdict once every repetition has
 * one (an environment failure in any leaves it an environment failure, retried by the next run); its
 * verdict is unknown on a tie, and it is flaky when its repetitions disagree.
 */
async function writeRunReports(layout: EvaluationLayout, instances: readonly Instance[], sets: readonly PredictionSet[], repeat: number): Promise<ModelRunReport[]> {
  const results: ModelRunReport[] = [];
  await fs.mkdir(layout.runDirectory, { recursive: true });
  for (const set of sets) {
    const reports = new Map<string, InstanceReport>();
    const flaky: FlakyInstance[] = [];
    const ties = new Set<string>();
    for (const instance of instances) {
      if (!hasPatch(set.patches.get(instance.instanceId))) continue;
      const repetitions: Array<InstanceReport | undefined> = [];
      for (let repetition = 1; repetition <= repeat; repetition += 1) {
        repetitions.push(await readEvaluationReport(layout.instanceDirectory(set.directory, instance.instanceId, repetition), instance.instanceId));
      }
      const known = repetitions.filter((report): report is InstanceReport => report !== undefined && !report.infrastructure_failure);
      const verdicts = repetitions.map((report) => (report ? repetitionVerdictOf(report) : 'environment-failure'));
      const majority = majorityOf(known.map(repetitionVerdictOf));
      if (new Set(known.map(repetitionVerdictOf)).size > 1) flaky.push({ instanceId: instance.instanceId, verdicts, verdict: known.length === repeat ? majority : 'unknown' });
      if (known.length < repeat) {
        // Missing or an environment failure: not finished (error_ids, retried).
        const failure = repetitions.find((report) => report?.infrastructure_failure);
        if (failure) reports.set(instance.instanceId, failure);
        continue;
      }
      if (majority === 'unknown') {
        ties.add(instance.instanceId);
        reports.set(instance.instanceId, known[0]!);
      } else
        reports.set(
          instance.instanceId,
          known.find((report) => repetitionVerdictOf(report) === majority)!,
        );
    }
    const base = withoutVerdicts(createRunReport({ datasetInstanceIds: instances.map((instance) => instance.instanceId), predictions: set.patches, reports }), ties);
    const report: RunReport & RepetitionFields = {
      ...base,
      ...(repeat > 1
        ? {
            repetitions: repeat,
            flaky_ids: flaky.map((entry) => entry.instanceId).sort(),
            flaky_verdicts: Object.fromEntries(flaky.map((entry) => [entry.instanceId, entry.verdicts])),
            verdict_unknown_ids: [...ties].sort(),
          }
        : {}),
      ...(set.notInDataset.length > 0 ? { not_in_dataset_ids: [...set.notInDataset].sort() } : {}),
    };
    const file = layout.runReportFile(set.directory);
    await writeFileAtomically(file, `${JSON.stringify(report, null, 2)}\n`);
    results.push({ model: set.model, source: set.source, label: set.label, directory: set.directory, file, report, flaky, notInDataset: set.notInDataset });
  }
  return results;
}
