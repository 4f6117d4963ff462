import { AsyncLocalStorage } from 'node:async_hooks';
import { z } from 'zod';

/** Tags that say what a model call (or any record) belongs to. */
export const CallLabelsSchema = z.object({
  experimentId: z.string().optional(),
  runId: z.string().optional(),
  instanceId: z.string().optional(),
  stage: z.string().optional(),
  sample: z.number().int().min(0).optional(),
});
export type CallLabels = z.output<typeof CallLabelsSchema>;

// Shared across duplicate installs of core, so that a plugin bundling its own copy still sees the runner's scope.
const storageKey = Symbol.for('codemonkeys.callLabels');
const globalSlot = globalThis as unknown as Record<symbol, AsyncLocalStorage<CallLabels> | undefined>;
const labelStorage: AsyncLocalStorage<CallLabels> = (globalSlot[storageKey] ??= new AsyncLocalStorage<CallLabels>());

/** The labels of the current async scope (empty outside any scope). */
export function currentCallLabels(): CallLabels {
  return labelStorage.getStore() ?? {};
}

/**
 * Runs `fn` with `labels` merged over the current ones. The runner opens a scope per instance and stage;
 * a plugin may open one per sample so that its calls are tagged without passing labels around.
 */
export function withCallLabels<T>(labels: CallLabels, fn: () => T): T {
  const merged: CallLabels = { ...currentCallLabels() };
  for (const [key, value] of Object.entries(labels)) if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  return labelStorage.run(merged, fn);
}
