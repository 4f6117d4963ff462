import { BudgetExceededError, type Usage } from '@codemonkeys/protocol';
import { z } from 'zod';

export const ModelBudgetLimitsSchema = z.object({
  /** Input plus output tokens billed by endpoints (cache hits of the response cache are free). */
  maxTokens: z.number().int().positive().optional(),
  maxCostUsd: z.number().positive().optional(),
});
export type ModelBudgetLimits = z.input<typeof ModelBudgetLimitsSchema>;

export interface ModelBudgetSpent {
  tokens: number;
  costUsd: number;
}

/**
 * A token and cost budget shared by every client given it (e.g. all the models of one run). Once spent,
 * `assertAvailable` throws `BudgetExceededError`, so new calls are refused; calls already in flight
 * finish and are charged, so the spend may end a little above the limit.
 */
export interface ModelBudget {
  readonly limits: Readonly<ModelBudgetLimits>;
  readonly spent: Readonly<ModelBudgetSpent>;
  /** Throws `BudgetExceededError` when a limit is reached. */
  assertAvailable(): void;
  charge(usage: Usage, costUsd: number): void;
}

export function createModelBudget(limits: ModelBudgetLimits = {}): ModelBudget {
  const parsed = ModelBudgetLimitsSchema.parse(limits);
  const spent: ModelBudgetSpent = { tokens: 0, costUsd: 0 };
  return {
    limits: parsed,
    get spent() {
      return { ...spent };
    },
    assertAvailable() {
      if (parsed.maxTokens !== undefined && spent.tokens >= parsed.maxTokens) {
        throw new BudgetExceededError({ budget: 'tokens', limit: parsed.maxTokens, spent: spent.tokens });
      }
      if (parsed.maxCostUsd !== undefined && spent.costUsd >= parsed.maxCostUsd) {
        throw new BudgetExceededError({ budget: 'cost', limit: parsed.maxCostUsd, spent: Number(spent.costUsd.toFixed(6)) });
      }
    },
    charge(usage, costUsd) {
      spent.tokens += usage.inputTokens + usage.outputTokens;
      spent.costUsd += costUsd;
    },
  };
}

export function isModelBudget(value: unknown): value is ModelBudget {
  return typeof value === 'object' && value !== null && typeof (value as ModelBudget).assertAvailable === 'function' && typeof (value as ModelBudget).charge === 'function';
}
