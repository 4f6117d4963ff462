import type { Logger, Usage } from '@codemonkeys/protocol';
import { defaultPrices } from './default-prices';
import { ModelPriceSchema, type ModelPrice, type PriceTable } from './model-price';

type ResolvedPrice = ReturnType<typeof ModelPriceSchema.parse>;

/** Prices the usage of a call. Unknown models cost 0 and are reported once per process. */
export interface PriceList {
  priceOf(model: string): ResolvedPrice | undefined;
  /**
   * USD for `usage`, where `inputTokens` counts every prompt token, cache reads and writes included:
   * uncached input is `inputTokens - cacheReadTokens - cacheWriteTokens`.
   */
  costOf(model: string, usage: Usage): number;
}

// Process-wide, so that a run with many clients warns once per model, not once per client.
const warnedKey = Symbol.for('codemonkeys.llm.unpricedModels');
const globalSlot = globalThis as unknown as Record<symbol, Set<string> | undefined>;
const warnedModels: Set<string> = (globalSlot[warnedKey] ??= new Set<string>());

// A dated snapshot of a base model: -20250514, -2024-08-06, -latest.
const snapshotSuffix = /-(\d{8}|\d{4}-\d{2}-\d{2}|latest)$/;

export function createPriceList(options: { prices?: PriceTable; useDefaultPrices?: boolean; logger?: Logger } = {}): PriceList {
  const table = new Map<string, ResolvedPrice>();
  const add = (entries: PriceTable): void => {
    for (const [model, price] of Object.entries(entries)) table.set(model, ModelPriceSchema.parse(price as ModelPrice));
  };
  if (options.useDefaultPrices !== false) add(defaultPrices);
  if (options.prices) add(options.prices);
  const resolved = new Map<string, ResolvedPrice | undefined>();

  const priceOf = (model: string): ResolvedPrice | undefined => {
    if (resolved.has(model)) return resolved.get(model);
    // Exact name, then without a provider prefix (`openai/gpt-4o` on a router), then without a snapshot date.
    const withoutProvider = model.includes('/') ? model.slice(model.lastIndexOf('/') + 1) : model;
    const candidates = [model, withoutProvider, model.replace(snapshotSuffix, ''), withoutProvider.replace(snapshotSuffix, '')];
    const price = candidates.map((candidate) => table.get(candidate)).find((found) => found !== undefined);
    resolved.set(model, price);
    return price;
  };

  return {
    priceOf,
    costOf(model, usage) {
      const price = priceOf(model);
      if (!price) {
        if (!warnedModels.has(model)) {
          warnedModels.add(model);
          options.logger?.warn(
            `No price is known for model "${model}": its calls are counted as costing 0 USD. Add it to the prices option of createModelClient to track its cost.`,
            { model },
          );
        }
        return 0;
      }
      const uncachedInput = Math.max(0, usage.inputTokens - usage.cacheReadTokens - usage.cacheWriteTokens);
      const dollars =
        uncachedInput * price.inputPerMillion +
        usage.cacheReadTokens * (price.cacheReadPerMillion ?? price.inputPerMillion) +
        usage.cacheWriteTokens * (price.cacheWritePerMillion ?? price.inputPerMillion) +
        usage.outputTokens * price.outputPerMillion;
      return dollars / 1_000_000;
    },
  };
}
