import fs from 'node:fs/promises';
import path from 'node:path';
import { CodemonkeysError, type Instance } from '@codemonkeys/protocol';
import { checkInstanceEnvironment, writeEvaluationArtifacts, type InstanceEnvironmentCheck } from '@codemonkeys/swebench';
import { z } from 'zod';
import type { EvalOptions } from './eval-options';
import { defaultRunId, evaluationLayout } from './evaluation-layout';
import { displayName } from './display-name';
import { createEvaluationProgress } from './evaluation-progress';
import { forEachWithEvaluationResources } from './evaluation-resources';
import { loadInstancesToEvaluate } from './instances-to-evaluate';
import { writeFileAtomically } from '../write-file-atomically';

/** What `check.json` of an instance holds. */
const InstanceCheckRecordSchema = z.object({
  instance_id: z.string(),
  status: z.enum(['reproduced', 'not-reproduced', 'infrastructure-failure']),
  problems: z.array(z.string()),
  warnings: z.array(z.string()),
  environment: z.string(),
});
export type InstanceCheckRecord = z.output<typeof InstanceCheckRecordSchema>;

export interface EnvironmentCheckSummary {
  run_id: string;
  total_instances: number;
  reproduced_ids: string[];
  not_reproduced: Record<string, string[]>;
  infrastructure_failure: Record<string, string[]>;
  warnings: Record<string, string[]>;
}

export interface EnvironmentCheckOutcome {
  runId: string;
  runDirectory: string;
  file: string;
  summary: EnvironmentCheckSummary;
  checked: number;
  resumed: number;
  /** Some instance was not reproduced or could not be run: the command exits non-zero. */
  failed: boolean;
  interrupted: boolean;
}

async function readCheck(file: string): Promise<InstanceCheckRecord | undefined> {
  try {
    return InstanceCheckRecordSchema.parse(JSON.parse(await fs.readFile(file, 'utf8')));
  } catch {
    return undefined;
  }
}

/**
 * `codemonkeys eval --check-spec`: does the environment reproduce each instance of the dataset? For each,
 * the gold patch must resolve and the base commit must fail FAIL_TO_PASS and pass PASS_TO_PASS (both runs
 * in one container). Checks on disk are kept, except those the environment failed (retried).
 */
export async function runEnvironmentCheck(options: EvalOptions, io: { signal: AbortSignal; log(message: string): void }): Promise<EnvironmentCheckOutcome> {
  const { selected: instances } = await loadInstancesToEvaluate(options.dataset, options.instances);
  const runId = options.runId ?? defaultRunId({ dataset: options.dataset, predictions: [], instances: options.instances, checkSpec: true });
  const layout = evaluationLayout(
    options.output,
    runId,
    instances.map((instance) => instance.instanceId),
  );
  const records = new Map<string, InstanceCheckRecord>();
  const todo: Instance[] = [];
  for (const instance of instances) {
    const record = await readCheck(layout.checkFile(instance.instanceId));
    if (record && record.status !== 'infrastructure-failure') records.set(instance.instanceId, record);
    else todo.push(instance);
  }
  const resumed = records.size;
  io.log(
    `environment check ${runId}: ${instances.length} instance(s), ${todo.length} to check${resumed > 0 ? `, ${resumed} already checked (resuming)` : ''}; output ${layout.runDirectory}`,
  );

  let checked = 0;
  let interrupted = false;
  if (todo.length > 0) {
    const progress = createEvaluationProgress({ total: todo.length, label: 'checking', mode: options.json && options.progress === 'auto' ? 'lines' : options.progress });
    const counts = { resolved: 0, failed: 0 };
    const save = async (instance: Instance, record: InstanceCheckRecord, check?: InstanceEnvironmentCheck): Promise<void> => {
      if (io.signal.aborted) return;
      if (check) {
        await writeEvaluationArtifacts(layout.checkDirectory(instance.instanceId, 'gold'), check.gold);
        await writeEvaluationArtifacts(layout.checkDirectory(instance.instanceId, 'base'), check.base);
      }
      const file = layout.checkFile(instance.instanceId);
      await fs.mkdir(path.dirname(file), { recursive: true });
      await writeFileAtomically(file, `${JSON.stringify(record, null, 2)}\n`);
      records.set(instance.instanceId, record);
      checked += 1;
      if (record.status === 'reproduced') counts.resolved += 1;
      else counts.failed += 1;
      progress.advance(
        `${displayName(instance.instanceId)}: ${record.status}${record.problems.length > 0 ? ` — ${record.problems[0]!.split('\n')[0]}` : ''}`,
        counts,
        displayName(instance.instanceId),
      );
    };
    interrupted = await forEachWithEvaluationResources({
      options,
      runId,
      signal: io.signal,
      progress,
      interruptMessage: 'interrupted: removing the containers; finished checks are kept, run the same command to resume',
      items: todo.map((instance) => ({ instance, units: [instance.instanceId] })),
      usesPerUnit: 2, // the gold patch and the base commit
      each: async ({ instance }, _unit, sandboxes) => {
        progress.started(displayName(instance.instanceId));
        let environment = 'none';
        try {
          const instanceSandbox = sandboxes.sandboxFor(instance);
          environment = `${instanceSandbox.spec.kind} ${instanceSandbox.spec.repo} (${instanceSandbox.spec.validation.status})`;
          const check = await checkInstanceEnvironment({ instance, instanceSandbox, ...(options.timeout ? { timeoutMs: options.timeout * 1000 } : {}) });
          await save(instance, { instance_id: instance.instanceId, status: check.status, problems: check.problems, warnings: check.warnings, environment }, check);
        } catch (error) {
          if (!CodemonkeysError.isInstance(error)) throw error;
          await save(instance, { instance_id: instance.instanceId, status: 'infrastructure-failure', problems: [(error as Error).message], warnings: [], environment });
        }
      },
    });
  }

  const summary: EnvironmentCheckSummary = { run_id: runId, total_instances: instances.length, reproduced_ids: [], not_reproduced: {}, infrastructure_failure: {}, warnings: {} };
  for (const instance of instances) {
    const record = records.get(instance.instanceId);
    if (!record) continue;
    if (record.status === 'reproduced') summary.reproduced_ids.push(instance.instanceId);
    else if (record.status === 'not-reproduced') summary.not_reproduced[instance.instanceId] = record.problems;
    else summary.infrastructure_failure[instance.instanceId] = record.problems;
    if (record.warnings.length > 0) summary.warnings[instance.instanceId] = record.warnings;
  }
  const file = layout.checkSummaryFile();
  await fs.mkdir(layout.runDirectory, { recursive: true });
  await fs.writeFile(file, `${JSON.stringify(summary, null, 2)}\n`);
  const failed = summary.reproduced_ids.length < instances.length;
  return { runId, runDirectory: layout.runDirectory, file, summary, checked, resumed, failed, interrupted: interrupted || io.signal.aborted };
}
