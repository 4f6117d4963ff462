import { NotFoundError, type Instance, type LocalizationResult, type Logger, type Patch, type PluginContextV1_1, type SequenceStorage } from '@codemonkeys/protocol';
import { createRewarder, createStorageVerdictCache, type Rewarder } from '@codemonkeys/rewards';
import type { RewardsConfig } from '../config/experiment-config';
import { stableHash } from '../experiment/experiment-identity';
import { stageNames } from '../experiment/experiment-plan';
import type { ExperimentResources } from './experiment-resources';
import { createRunnerPluginContext } from './plugin-context';

/** What the environment needs to know of a run. */
export interface RunScope {
  runId: string;
  hypers: Readonly<Record<string, unknown>>;
  rewards: RewardsConfig;
}

/**
 * The process-wide side of running instances: plugin contexts per (run, plugin, model role), the instances
 * with their gold data, and the rewards after each stage (the only place the gold data goes).
 */
export interface InstanceEnvironment {
  readonly experimentId: string;
  readonly storage: SequenceStorage;
  readonly resources: ExperimentResources;
  readonly logger: Logger;
  instance(instanceId: string): Instance;
  /** The v1.1 context of a plugin of a run (no storage, no rewards, no gold: see createRunnerPluginContext). */
  pluginContext(run: RunScope, pluginName: string, modelRole: string): PluginContextV1_1;
  /** `reusedFrom`: the localization was another run's (nothing was spent on it here). */
  rewardLocalization(run: RunScope, instance: Instance, stage: string, result: LocalizationResult, reusedFrom?: { runId: string; createdAt: string }): Promise<void>;
  rewardGeneration(run: RunScope, instance: Instance, candidates: readonly Patch[]): Promise<void>;
  rewardSelection(run: RunScope, instance: Instance, candidates: readonly Patch[], chosen: Patch): Promise<void>;
}

export function createInstanceEnvironment(options: { experimentId: string; resources: ExperimentResources; signal: AbortSignal; logger: Logger }): InstanceEnvironment {
  const { resources } = options;
  const contexts = new Map<string, PluginContextV1_1>();
  const rewarders = new Map<string, Rewarder>();
  const tokenCounter = (text: string) => resources.models.forRole('default').countTokens(text);
  // Verdicts shared by every run of the storage (and `codemonkeys rewards --storage`): a variant run re-evaluates nothing it has seen.
  const verdictCache = createStorageVerdictCache(resources.storage, { logger: options.logger });

  /** One rewarder per (rewards settings, stage names, gold tests): its caches of verdicts are shared by the runs that use it. */
  const rewarderFor = (settings: RewardsConfig, localizationStage: string, goldTests: boolean): Rewarder => {
    const key = stableHash({ settings, localizationStage, goldTests });
    let rewarder = rewarders.get(key);
    if (!rewarder) {
      rewarder = createRewarder({
        storage: resources.storage,
        ...(resources.sandboxes ? { sandboxes: resources.sandboxes, verdictCache } : {}),
        countTokens: tokenCounter,
        tokenizer: "the default model client's tokenizer",
        stages: { localization: localizationStage },
        goldTests,
        generatedTests: settings.generatedTests,
        ...(settings.testTimeoutSeconds ? { goldTestTimeoutMs: settings.testTimeoutSeconds * 1000, generatedTestTimeoutMs: settings.testTimeoutSeconds * 1000 } : {}),
        logger: options.logger,
      });
      rewarders.set(key, rewarder);
    }
    return rewarder;
  };

  const durationOf = async (runId: string, instanceId: string, stage: string): Promise<number | undefined> =>
    (await resources.storage.getStageResult({ runId, instanceId, stage, sample: 0 }))?.durationMs;

  return {
    experimentId: options.experimentId,
    storage: resources.storage,
    resources,
    logger: options.logger,
    instance(instanceId) {
      const instance = resources.instances.get(instanceId);
      if (!instance) throw new NotFoundError(`No instance "${instanceId}" in this run's dataset selection. Check the dataset and --instances.`);
      return instance;
    },
    pluginContext(run, pluginName, modelRole) {
      const key = `${run.runId}\u0000${pluginName}\u0000${modelRole}`;
      let context = contexts.get(key);
      if (!context) {
        context = createRunnerPluginContext({ resources, runId: run.runId, pluginName, modelRole, hypers: run.hypers, signal: options.signal, logger: options.logger });
        contexts.set(key, context);
      }
      return context;
    },
    async rewardLocalization(run, instance, stage, result, reusedFrom) {
      if (!run.rewards.enabled) return;
      const workspace = await resources.pools.cpu(() => resources.workspaces.workspace(instance.instanceId));
      const durationMs = await durationOf(run.runId, instance.instanceId, stage);
      const rewarder = rewarderFor(run.rewards, stage, run.rewards.goldTests === 'candidates');
      const cost = reusedFrom ? { ...(durationMs !== undefined ? { durationMs } : {}), tokens: 0, costUsd: 0, reusedFrom } : durationMs !== undefined ? { durationMs } : undefined;
      await resources.pools.cpu(() => rewarder.rewardLocalization({ runId: run.runId, instance, result, workspace, ...(cost ? { cost } : {}) }));
    },
    async rewardGeneration(run, instance, candidates) {
      if (!run.rewards.enabled) return;
      const durationMs = await durationOf(run.runId, instance.instanceId, stageNames.generate);
      const rewarder = rewarderFor(run.rewards, stageNames.localize, run.rewards.goldTests === 'candidates');
      await rewarder.rewardGeneration({ runId: run.runId, instance, candidates, signal: options.signal, ...(durationMs !== undefined ? { cost: { durationMs } } : {}) });
    },
    async rewardSelection(run, instance, candidates, chosen) {
      if (!run.rewards.enabled) return;
      const durationMs = await durationOf(run.runId, instance.instanceId, stageNames.select);
      const rewarder = rewarderFor(run.rewards, stageNames.localize, run.rewards.goldTests !== 'none');
      await rewarder.rewardSelection({ runId: run.runId, instance, candidates, chosen, signal: options.signal, ...(durationMs !== undefined ? { cost: { durationMs } } : {}) });
    },
  };
}
