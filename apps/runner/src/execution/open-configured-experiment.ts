import type { Instance, Logger, SequenceStorage } from '@codemonkeys/protocol';
import type { ExperimentConfig } from '../config/experiment-config';
import { planExperiment, type ExperimentPlan } from '../experiment/experiment-plan';
import { createConfiguredRuntime } from './configured-runtime';
import type { ExperimentRuntime } from './experiment-runtime';
import { loadExperimentInstances, openExperimentResources } from './experiment-resources';
import type { RunControl } from './run-control';

/** Tokens and cost the given runs have spent in earlier invocations (charged to this invocation's budget). */
export async function spentByRuns(storage: SequenceStorage, runIds: readonly string[]): Promise<{ tokens: number; costUsd: number }> {
  const spent = { tokens: 0, costUsd: 0 };
  for (const runId of runIds) {
    if (!(await storage.getRun(runId))) continue;
    const summary = await storage.summarizeRun(runId);
    spent.tokens += summary.usage.inputTokens + summary.usage.outputTokens;
    spent.costUsd += summary.costUsd;
  }
  return spent;
}

export interface OpenedExperiment {
  runtime: ExperimentRuntime;
  /** The dataset selection, in dataset order. */
  instances: Instance[];
}

/**
 * Everything to run a configured experiment in this process: its plan (plugins loaded and options
 * validated first, so mistakes fail before anything starts), its instances, the resources (models,
 * repositories, Docker) and the runtime.
 */
export async function openConfiguredExperiment(
  config: ExperimentConfig,
  options: { cwd: string; runId?: string; storage: SequenceStorage; control: RunControl; logger: Logger; log?: (message: string) => void },
): Promise<OpenedExperiment & { plan: ExperimentPlan }> {
  const plan = await planExperiment(config, { cwd: options.cwd, ...(options.runId ? { runId: options.runId } : {}) });
  const instances = await loadExperimentInstances(config.dataset);
  const spentBefore = await spentByRuns(
    options.storage,
    plan.runs.map((run) => run.runId),
  );
  const resources = await openExperimentResources({
    config,
    experimentId: plan.experimentId,
    storage: options.storage,
    instances,
    logger: options.logger,
    spentBefore,
    ...(options.log ? { log: options.log } : {}),
  });
  const runtime = createConfiguredRuntime({ plan, resources, control: options.control, logger: options.logger });
  return { runtime, plan, instances };
}
