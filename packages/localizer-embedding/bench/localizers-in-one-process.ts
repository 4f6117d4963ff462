import { createInMemorySequenceStorage, silentLogger, toTask, type Instance, type ModelClient, type PluginContext, type TokenCounter } from '@codemonkeys/protocol';
import { createEmbeddingLocalizer } from '../src/embedding-localizer';
import type { EmbeddingLocalizerOptionsInput } from '../src/options/embedding-localizer-options';
import type { CodebaseContent } from './codebase-content-workspace';

/** A plugin context over codebase-content-lite: tasks without gold, a workspace per instance, a model that only counts tokens. */
function benchContext(content: CodebaseContent, instances: readonly Instance[], countTokens: TokenCounter): PluginContext {
  const byId = new Map(instances.map((instance) => [instance.instanceId, instance]));
  // The local embedder calls no model: the client is only asked to count tokens.
  const model = {
    countTokens,
    complete: () => {
      throw new Error('the bench model only counts tokens');
    },
  } as unknown as ModelClient;
  return {
    task: async (instanceId) => toTask(byId.get(instanceId)!),
    workspace: async (instanceId) => content.workspace(instanceId),
    model,
    modelFor: () => model,
    sandbox: () => undefined,
    storage: createInMemorySequenceStorage(),
    logger: silentLogger,
    signal: new AbortController().signal,
    hypers: {},
    experimentId: 'bench',
    runId: 'bench',
  };
}

export interface LocalizersInOneProcessRun {
  localizers: number;
  instances: number;
  /** Peak resident set of the process (MB) and the heap in use after the last instance. */
  peakRssMb: number;
  heapUsedMb: number;
  /** Milliseconds of each localizer's run per instance (chunking included). */
  runMs: number[];
}

/**
 * What a sweep over `tokenBudget` does: several embedding localizers (each with its own caches) run every
 * instance in one process. Reports the peak RSS, which the byte-capped caches bound.
 */
export async function runLocalizersInOneProcess(
  content: CodebaseContent,
  instances: readonly Instance[],
  optionsList: readonly EmbeddingLocalizerOptionsInput[],
  countTokens: TokenCounter,
  log: (line: string) => void = () => {},
): Promise<LocalizersInOneProcessRun> {
  const context = benchContext(content, instances, countTokens);
  const localizers = optionsList.map((options) => createEmbeddingLocalizer(options, context));
  const runMs: number[] = [];
  for (const [position, instance] of instances.entries()) {
    for (const localizer of localizers) {
      const started = performance.now();
      await localizer.run(instance.instanceId);
      runMs.push(performance.now() - started);
    }
    log(`${position + 1}/${instances.length} ${instance.instanceId} rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`);
  }
  return {
    localizers: localizers.length,
    instances: instances.length,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    heapUsedMb: process.memoryUsage().heapUsed / 2 ** 20,
    runMs,
  };
}
