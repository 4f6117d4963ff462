import { LocalizationResultSchema, PatchSchema, instantiatePlugin, parseWithSchema, type Instance, type LocalizationResult, type Message, type Patch, type PatchGenerator, type Localizer, type Selector, type SequenceStorage } from '@codemonkeys/protocol';
import { z } from 'zod';
import { stageNames, type PlannedRun, type StagePlugin } from '../experiment/experiment-plan';
import type { InstanceEnvironment } from './instance-environment';
import { fuseLocalizations } from './reciprocal-rank-fusion';
import type { StageRunner } from './stage-runner';

/** The plugins of one run, created once per process with the runner's context. */
interface RunPlugins {
  localizers: Localizer[];
  generator: PatchGenerator;
  selector: Selector;
}

/**
 * Logs a generator's messages under the `generate` stage: one log per sample when the patches say which
 * messages are theirs (`metadata.messages = { start, count }`, as `@codemonkeys/generator-llm` does),
 * else one log of every message (sample 0).
 */
export async function logGeneratorMessages(storage: SequenceStorage, runId: string, instanceId: string, stage: string, patches: readonly Patch[], messages: readonly Message[]): Promise<void> {
  if (messages.length === 0) return;
  const writer = storage.writer(instanceId, { runId, stage });
  const ranges = patches.map((patch) => patch.metadata.messages as { start?: unknown; count?: unknown } | undefined);
  const usable = ranges.every((range) => range && Number.isInteger(range.start) && Number.isInteger(range.count));
  if (!usable) {
    await writer.logMessages(messages, { sample: 0 });
    return;
  }
  for (const [sample, range] of ranges.entries()) {
    const start = range!.start as number;
    const count = range!.count as number;
    if (count > 0) await writer.logMessages(messages.slice(start, start + count), { sample });
  }
}

const PatchesSchema = z.array(PatchSchema);

/**
 * The instance pipeline of a configured experiment: localize (several localizers run at once and are
 * fused by reciprocal rank) → rewards → generate (messages logged) → rewards → select → rewards. Each
 * stage is stored once and reused by a resumed run; outputs are validated against core's schemas, so a
 * plugin returning something else fails its stage with the issues named.
 */
export function createConfiguredPipeline(run: PlannedRun, environment: InstanceEnvironment): (instanceId: string, stages: StageRunner) => Promise<Patch> {
  let plugins: Promise<RunPlugins> | undefined;
  const create = <K extends 'localizer' | 'generator' | 'selector'>(plugin: StagePlugin<K>) =>
    instantiatePlugin(plugin.definition, plugin.options, environment.pluginContext(run, plugin.config.model));
  const pluginsOfRun = (): Promise<RunPlugins> => {
    plugins ??= (async () => ({
      localizers: await Promise.all(run.localizers.map((plugin) => create(plugin))),
      generator: await create(run.generator),
      selector: await create(run.selector),
    }))();
    plugins.catch(() => (plugins = undefined));
    return plugins;
  };

  return async (instanceId, stages) => {
    const instance: Instance = environment.instance(instanceId);
    const { localizers, generator, selector } = await pluginsOfRun();

    // Localize.
    const localizeOne = (plugin: StagePlugin<'localizer'>, index: number): Promise<LocalizationResult> =>
      stages.stage(plugin.stage, async () => parseWithSchema(LocalizationResultSchema, await localizers[index]!.run(instanceId), `The localization of ${plugin.record.name} for ${instanceId}`), {
        metadata: (result) => ({ plugin: plugin.record.name, form: typeof result.content === 'string' ? 'text' : 'pointers', pointers: Array.isArray(result.content) ? result.content.length : undefined }),
      });
    let localization: LocalizationResult;
    if (run.localizers.length === 1) {
      localization = await localizeOne(run.localizers[0]!, 0);
    } else {
      const results = await Promise.all(run.localizers.map((plugin, index) => localizeOne(plugin, index)));
      for (const [index, plugin] of run.localizers.entries()) {
        await stages.rewards(plugin.stage, () => environment.rewardLocalization(run, instance, plugin.stage, results[index]!));
      }
      localization = await stages.stage(
        stageNames.localize,
        async () => fuseLocalizations(results, { k: run.config.fusion.k, ...(run.config.fusion.weights ? { weights: run.config.fusion.weights } : {}), names: run.localizers.map((plugin) => plugin.record.name) }),
        { metadata: (result) => ({ plugin: 'reciprocal-rank-fusion', pointers: Array.isArray(result.content) ? result.content.length : undefined }) },
      );
    }
    await stages.rewards(stageNames.localize, () => environment.rewardLocalization(run, instance, stageNames.localize, localization));

    // Generate.
    const patches = await stages.stage(
      stageNames.generate,
      async () => {
        const [generated, messages] = await generator.run(localization, instanceId);
        const candidates = parseWithSchema(PatchesSchema, generated, `The candidates of ${run.generator.record.name} for ${instanceId}`);
        await logGeneratorMessages(environment.storage, run.runId, instanceId, stageNames.generate, candidates, messages);
        return candidates;
      },
      { metadata: (candidates) => ({ plugin: run.generator.record.name, candidates: candidates.length, empty: candidates.filter((patch) => patch.diff.trim() === '').length }) },
    );
    await stages.rewards(stageNames.generate, () => environment.rewardGeneration(run, instance, patches));

    // Select.
    const chosen = await stages.stage(
      stageNames.select,
      async () => parseWithSchema(PatchSchema, await selector.run(patches, instanceId), `The patch chosen by ${run.selector.record.name} for ${instanceId}`),
      { metadata: (patch) => ({ plugin: run.selector.record.name, chosen: patches.findIndex((candidate) => candidate.diff === patch.diff), empty: patch.diff.trim() === '' }) },
    );
    await stages.rewards(stageNames.select, () => environment.rewardSelection(run, instance, patches, chosen));
    return chosen;
  };
}
