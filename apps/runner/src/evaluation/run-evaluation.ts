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
import { createEvaluationProgress } from './evaluation-progress';
import { forEachWithEvaluationResources } from './evaluation-resources';
import { loadInstancesToEvaluate } from './instances-to-evaluate';
import { loadPredictionSets, type PredictionSet } from './prediction-sets';

export interface ModelRunReport {
  model: string;
  source: string;
  file: string;
  report: RunReport;
}

export interface EvaluationOutcome {
  runId: string;
  runDirectory: string;
  reports: ModelRunReport[];
  /** Instances evaluated in this invocation, and those whose reports were already on disk. */
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
 * `codemonkeys eval`: evaluates every prediction set on the (filtered) dataset in Docker, instances in
 * parallel (one container per instance, reused for every model's candidate), writes SWE-bench's
 * per-instance files and one run report per model. Reports already on disk for the same patch are kept
 * (a killed evaluation resumes); environment failures are retried.
 */
export async function runEvaluation(options: EvalOptions, io: EvaluationIo): Promise<EvaluationOutcome> {
  const instances = await loadInstancesToEvaluate(options.dataset, options.instances);
  const { sets, ignored } = await loadPredictionSets(options.predictions, instances);
  const runId = options.runId ?? defaultRunId({ dataset: options.dataset, predictions: options.predictions, instances: options.instances, checkSpec: false });
  const layout = evaluationLayout(options.output, runId);
  if (ignored > 0) io.log(`${ignored} prediction(s) name instances outside the dataset${options.instances.length > 0 ? ' selection' : ''}; left out`);

  // Per instance, the candidates still to evaluate; the rest is already on disk.
  const work: Array<{ instance: Instance; candidates: Candidate[] }> = [];
  let resumed = 0;
  for (const instance of instances) {
    const candidates: Candidate[] = [];
    for (const set of sets) {
      const patch = set.patches.get(instance.instanceId);
      if (!hasPatch(patch)) continue;
      const candidate = { set, patch, directory: layout.instanceDirectory(set.model, instance.instanceId) };
      if (await finishedReport(candidate, instance.instanceId)) resumed += 1;
      else candidates.push(candidate);
    }
    if (candidates.length > 0) work.push({ instance, candidates });
  }
  const total = work.reduce((sum, item) => sum + item.candidates.length, 0);
  io.log(
    `evaluation ${runId}: ${instances.length} instance(s), ${sets.map((set) => set.model).join(', ')}; ` +
      `${total} to evaluate${resumed > 0 ? `, ${resumed} already evaluated (resuming)` : ''}; output ${layout.runDirectory}`,
  );

  let evaluated = 0;
  let failed = false;
  let interrupted = false;
  if (total > 0) {
    const progress = createEvaluationProgress({ total, label: 'evaluating', mode: options.json && options.progress === 'auto' ? 'lines' : options.progress });
    const counts = { resolved: 0, failed: 0 };
    interrupted = await forEachWithEvaluationResources({
      options,
      runId,
      signal: io.signal,
      progress,
      interruptMessage: 'interrupted: removing the containers; finished reports are kept, run the same command to resume',
      items: work,
      each: async ({ instance, candidates }, sandboxes) => {
        let instanceSandbox;
        try {
          instanceSandbox = sandboxes.sandboxFor(instance);
        } catch (error) {
          if (!CodemonkeysError.isInstance(error)) throw error;
          for (const candidate of candidates) {
            await record(instance, candidate, failedBeforeSandbox(instance, candidate.patch, { kind: 'build', message: (error as Error).message }));
          }
          return;
        }
        for (const candidate of candidates) {
          if (io.signal.aborted) return;
          const started = performance.now();
          const evaluation = await evaluatePatch({
            instance,
            patch: candidate.patch,
            instanceSandbox,
            ...(options.timeout ? { timeoutMs: options.timeout * 1000 } : {}),
          });
          await record(instance, candidate, evaluation, performance.now() - started);
        }
      },
    });

    async function record(instance: Instance, candidate: Candidate, evaluation: PatchEvaluation, durationMs = 0): Promise<void> {
      // Once interrupted, results are the containers' removal, not the patch's: nothing is recorded.
      if (io.signal.aborted) return;
      await writeEvaluationArtifacts(candidate.directory, evaluation);
      evaluated += 1;
      if (evaluation.resolved) counts.resolved += 1;
      if (evaluation.infrastructureFailure) {
        counts.failed += 1;
        failed = true;
      }
      const model = sets.length > 1 ? ` [${candidate.set.model}]` : '';
      progress.advance(`${instance.instanceId}${model}: ${verdictOf(evaluation)} (${(durationMs / 1000).toFixed(1)} s)`, counts);
    }
  }

  const reports = await writeRunReports(layout, instances, sets);
  for (const entry of reports) if (entry.report.infrastructure_failure_ids.length > 0) failed = true;
  return { runId, runDirectory: layout.runDirectory, reports, evaluated, resumed, failed, interrupted: interrupted || io.signal.aborted };
}

/** One run report per model, from the reports on disk (the record of the run, whatever invocation wrote them). */
async function writeRunReports(layout: EvaluationLayout, instances: readonly Instance[], sets: readonly PredictionSet[]): Promise<ModelRunReport[]> {
  const results: ModelRunReport[] = [];
  await fs.mkdir(layout.runDirectory, { recursive: true });
  for (const set of sets) {
    const reports = new Map<string, InstanceReport>();
    for (const instance of instances) {
      const report = await readEvaluationReport(layout.instanceDirectory(set.model, instance.instanceId), instance.instanceId);
      if (report) reports.set(instance.instanceId, report);
    }
    const report = createRunReport({ datasetInstanceIds: instances.map((instance) => instance.instanceId), predictions: set.patches, reports });
    const file = layout.runReportFile(set.model);
    await fs.writeFile(`${file}.tmp`, `${JSON.stringify(report, null, 2)}\n`);
    await fs.rename(`${file}.tmp`, file);
    results.push({ model: set.model, source: set.source, file, report });
  }
  return results;
}
