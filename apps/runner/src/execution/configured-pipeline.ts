import {
  CandidateSchema,
  InvalidPluginError,
  LocalizationResultSchema,
  PatchSchema,
  SelectionSchema,
  createPluginInstance,
  parseWithSchema,
  type Candidate,
  type Instance,
  type LocalizationResult,
  type LocalizerV1_1,
  type Patch,
  type PatchGeneratorV1_1,
  type SelectorV1_1,
  type SequenceStorage,
} from '@codemonkeys/protocol';
import { z } from 'zod';
import { stageNames, type PlannedRun, type StagePlugin } from '../experiment/experiment-plan';
import { IncompleteWorkError, infrastructureFailuresOf } from './incomplete-work';
import type { InstanceEnvironment } from './instance-environment';
import { fuseLocalizations } from './reciprocal-rank-fusion';
import { keepLocalization, localizationReuseKey, reusableLocalization, type ReusedFrom } from './localization-reuse';
import type { StageRunner } from './stage-runner';

/** The plugins of one run, created once per process with the runner's context. */
interface RunPlugins {
  localizers: LocalizerV1_1[];
  /** Absent in a localization-only run. */
  generator?: PatchGeneratorV1_1;
  selector?: SelectorV1_1;
}

/** What a localization-only run's instance ends with: no patch, and no select stage is stored for it. */
export const localizationOnlyMetadataKey = 'localizationOnly';

/** Logs each candidate's own conversation under the `generate` stage, one log per sample (its index). */
async function logCandidateMessages(storage: SequenceStorage, runId: string, instanceId: string, stage: string, candidates: readonly Candidate[]): Promise<void> {
  const writer = storage.writer(instanceId, { runId, stage });
  for (const [sample, candidate] of candidates.entries()) {
    if (candidate.messages.length > 0) await writer.logMessages(candidate.messages, { sample });
  }
}

/** The patch a candidate stands for, with its status and failure (`metadata.candidate`) when it is not `ok`, as the v1 adapter marks them. */
const patchOfCandidate = (candidate: Candidate): Patch =>
  candidate.status === 'ok'
    ? candidate.patch
    : { ...candidate.patch, metadata: { ...candidate.patch.metadata, candidate: { status: candidate.status, ...(candidate.failure ? { failure: candidate.failure } : {}) } } };

const CandidatesSchema = z.array(CandidateSchema);
const PatchesSchema = z.array(PatchSchema);

/**
 * The instance pipeline of a configured experiment: localize (several localizers run at once and are
 * fused by reciprocal rank) → rewards → generate (each candidate's messages logged as its sample) →
 * rewards → select → rewards. Plugins are created by the protocol's v1.1 host (`createPluginInstance`: v1
 * plugins are adapted), each with its own capability context. Each stage is stored once and reused by a
 * resumed run; outputs, fresh or stored, are validated against the protocol's schemas, so a plugin (or a
 * damaged store) giving something else fails its stage with the issues named. A generation with
 * candidates that obtained no result for an infrastructure reason is not stored as done
 * (IncompleteWorkError): the instance is partial and the same command redoes it.
 */
export function createConfiguredPipeline(run: PlannedRun, environment: InstanceEnvironment): (instanceId: string, stages: StageRunner) => Promise<Patch> {
  let plugins: Promise<RunPlugins> | undefined;
  const create = <K extends 'localizer' | 'generator' | 'selector'>(plugin: StagePlugin<K>) =>
    createPluginInstance(plugin.definition, plugin.options, environment.pluginContext(run, plugin.definition.meta.name, plugin.config.model), {
      experimentId: environment.experimentId,
      runId: run.runId,
    });
  const pluginsOfRun = (): Promise<RunPlugins> => {
    plugins ??= (async () => ({
      localizers: await Promise.all(run.localizers.map((plugin) => create(plugin))),
      ...(run.generator ? { generator: await create(run.generator) } : {}),
      ...(run.selector ? { selector: await create(run.selector) } : {}),
    }))();
    plugins.catch(() => (plugins = undefined));
    return plugins;
  };

  return async (instanceId, stages) => {
    const instance: Instance = environment.instance(instanceId);
    const { localizers, generator, selector } = await pluginsOfRun();

    // Localize: a localization another run of the storage computed with the same plugin, options, models,
    // hypers and instance is reused (config `reuseLocalizations`), recorded with the run it came from.
    const reused = new Map<string, ReusedFrom>();
    const localizeOne = (plugin: StagePlugin<'localizer'>, index: number): Promise<LocalizationResult> =>
      stages.stage(
        plugin.stage,
        async () => {
          const key = run.config.reuseLocalizations ? localizationReuseKey(run, plugin, instance) : undefined;
          if (key) {
            const stored = await reusableLocalization(environment.storage, key, environment.logger);
            if (stored) {
              // Kept by this very run before it was stopped: its model calls are this run's, nothing to mark.
              if (stored.reusedFrom.runId !== run.runId) reused.set(plugin.stage, stored.reusedFrom);
              return stored.result;
            }
          }
          const result = parseWithSchema(LocalizationResultSchema, await localizers[index]!.run(instanceId), `The localization of ${plugin.record.name} for ${instanceId}`);
          if (key) await keepLocalization(environment.storage, key, result, { runId: run.runId, instanceId }, environment.logger);
          return result;
        },
        {
          schema: LocalizationResultSchema,
          metadata: (result) => ({
            plugin: plugin.record.name,
            form: typeof result.content === 'string' ? 'text' : 'pointers',
            pointers: Array.isArray(result.content) ? result.content.length : undefined,
            ...(reused.has(plugin.stage) ? { reusedFrom: reused.get(plugin.stage) } : {}),
          }),
        },
      );
    let localization: LocalizationResult;
    if (run.localizers.length === 1) {
      localization = await localizeOne(run.localizers[0]!, 0);
    } else {
      const results = await Promise.all(run.localizers.map((plugin, index) => localizeOne(plugin, index)));
      for (const [index, plugin] of run.localizers.entries()) {
        await stages.rewards(plugin.stage, () => environment.rewardLocalization(run, instance, plugin.stage, results[index]!, reused.get(plugin.stage)));
      }
      localization = await stages.stage(
        stageNames.localize,
        async () =>
          fuseLocalizations(results, {
            k: run.config.fusion.k,
            ...(run.config.fusion.weights ? { weights: run.config.fusion.weights } : {}),
            names: run.localizers.map((plugin) => plugin.record.name),
          }),
        {
          schema: LocalizationResultSchema,
          metadata: (result) => ({ plugin: 'reciprocal-rank-fusion', pointers: Array.isArray(result.content) ? result.content.length : undefined }),
        },
      );
    }
    // One localizer: its stage is `localize`; fused: every input reused means the fusion cost nothing either.
    const localizeReused =
      run.localizers.length === 1
        ? reused.get(run.localizers[0]!.stage)
        : run.localizers.every((plugin) => reused.has(plugin.stage))
          ? reused.get(run.localizers[0]!.stage)
          : undefined;
    await stages.rewards(stageNames.localize, () => environment.rewardLocalization(run, instance, stageNames.localize, localization, localizeReused));
    if (!run.generator || !run.selector || !generator || !selector) return { instanceId, diff: '', metadata: { [localizationOnlyMetadataKey]: true } };
    const generatorPlugin = run.generator;
    const selectorPlugin = run.selector;

    // Generate.
    const patches = await stages.stage(
      stageNames.generate,
      async () => {
        const candidates = parseWithSchema(CandidatesSchema, await generator.run(localization, instanceId), `The candidates of ${generatorPlugin.record.name} for ${instanceId}`);
        const failures = infrastructureFailuresOf(candidates);
        if (failures.length > 0) throw new IncompleteWorkError(stageNames.generate, failures, candidates.length);
        await logCandidateMessages(environment.storage, run.runId, instanceId, stageNames.generate, candidates);
        return candidates.map(patchOfCandidate);
      },
      {
        schema: PatchesSchema,
        metadata: (candidates) => ({
          plugin: generatorPlugin.record.name,
          candidates: candidates.length,
          empty: candidates.filter((patch) => patch.diff.trim() === '').length,
          unparseable: candidates.filter((patch) => patch.metadata.candidate !== undefined).length,
        }),
      },
    );
    await stages.rewards(stageNames.generate, () => environment.rewardGeneration(run, instance, patches));

    // Select.
    const chosen = await stages.stage(
      stageNames.select,
      async () => {
        const selection = parseWithSchema(SelectionSchema, await selector.run(patches, instanceId), `The selection of ${selectorPlugin.record.name} for ${instanceId}`);
        const candidate = patches[selection.index];
        if (!candidate || candidate.diff !== selection.patch.diff || candidate.instanceId !== selection.patch.instanceId) {
          throw new InvalidPluginError({
            pluginName: selectorPlugin.record.name,
            reason: `its selection (index ${selection.index}) is not one of the ${patches.length} candidates it was given`,
          });
        }
        return { ...selection.patch, metadata: { ...selection.patch.metadata, selectedIndex: selection.index, ...(selection.reason ? { reason: selection.reason } : {}) } };
      },
      {
        schema: PatchSchema,
        metadata: (patch) => ({ plugin: selectorPlugin.record.name, chosen: patch.metadata.selectedIndex, reason: patch.metadata.reason, empty: patch.diff.trim() === '' }),
      },
    );
    await stages.rewards(stageNames.select, () => environment.rewardSelection(run, instance, patches, chosen));
    return chosen;
  };
}
