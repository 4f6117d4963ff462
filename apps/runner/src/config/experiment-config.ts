import { SandboxLimitsSchema } from '@codemonkeys/core';
import { z } from 'zod';

/** A model endpoint. The key is read from `apiKeyEnv` at run time and never stored. */
export const ModelEndpointConfigSchema = z.strictObject({
  kind: z.enum(['openai', 'anthropic']).default('openai'),
  /** e.g. http://127.0.0.1:8000/v1 for vLLM/SGLang/Ollama, or the provider's API base. */
  baseUrl: z.url(),
  model: z.string().min(1),
  /** Name of the environment variable holding the API key (never the key itself). */
  apiKeyEnv: z.string().min(1).optional(),
  maxConcurrent: z.number().int().positive().default(32),
  requestsPerMinute: z.number().int().positive().optional(),
  tokensPerMinute: z.number().int().positive().optional(),
  timeoutMs: z.number().int().positive().default(600_000),
  /** Extra request headers (not secrets: use apiKeyEnv). */
  headers: z.record(z.string(), z.string()).optional(),
});
export type ModelEndpointConfig = z.output<typeof ModelEndpointConfigSchema>;

/** A plugin by name (short name, package name or path) with its options and the model role it uses. */
export const PluginConfigSchema = z.union([
  z.string().min(1).transform((plugin) => ({ plugin, options: {} as Record<string, unknown>, model: 'default' })),
  z.strictObject({
    plugin: z.string().min(1),
    options: z.record(z.string(), z.unknown()).default({}),
    /** Which entry of `models` is this stage's `context.model`. */
    model: z.string().min(1).default('default'),
  }),
]);
export type PluginConfig = z.output<typeof PluginConfigSchema>;

export const DatasetConfigSchema = z.union([
  z.string().min(1).transform((path) => ({ path })),
  z.strictObject({
    path: z.string().min(1),
    /** Instance ids or globs (`django__django-1*`). */
    instances: z.array(z.string().min(1)).optional(),
    repo: z.string().optional(),
    /** Python-style slice of the filtered list, e.g. "0:20". */
    slice: z.string().regex(/^-?\d*:-?\d*$/, 'must look like "start:end", e.g. "0:20"').optional(),
  }),
]);
export type DatasetConfig = z.output<typeof DatasetConfigSchema>;

const hyperValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/**
 * A sweep: a list of override sets, or a grid (every combination). Override keys are `localizer`,
 * `generator`, `selector` (the plugin), `<stage>.<option>` (a plugin option, e.g. `generator.samples`), or
 * any other name, handed to plugins as `context.hypers`.
 */
export const HypersConfigSchema = z.union([
  z.array(z.record(z.string(), z.unknown())).min(1),
  z.strictObject({ grid: z.record(z.string(), z.array(hyperValue).min(1)) }),
]);

export const ExperimentConfigSchema = z.strictObject({
  name: z.string().min(1).default('experiment'),
  dataset: DatasetConfigSchema,
  /** Where to clone repositories from: `owner/name` → URL or local path. Default: the public GitHub URL. */
  repositories: z.record(z.string(), z.string()).default({}),
  models: z.record(z.string(), ModelEndpointConfigSchema).refine((models) => 'default' in models, { message: 'a "default" model is required' }),
  /** One localizer, or several merged by reciprocal-rank fusion. */
  localizer: z.union([PluginConfigSchema, z.array(PluginConfigSchema).min(1)]),
  generator: PluginConfigSchema,
  selector: PluginConfigSchema,
  storage: z.string().default('sqlite:./runs.db'),
  sandbox: z
    .union([
      z.literal('none'),
      z.strictObject({
        kind: z.literal('docker').default('docker'),
        limits: SandboxLimitsSchema.partial().default({}),
        commandTimeoutMs: z.number().int().positive().default(1_800_000),
      }),
    ])
    .default({ kind: 'docker', limits: {}, commandTimeoutMs: 1_800_000 }),
  hypers: HypersConfigSchema.default([{}]),
  budgets: z.strictObject({ maxTokens: z.number().int().positive().optional(), maxCostUsd: z.number().positive().optional() }).default({}),
  concurrency: z
    .strictObject({
      instances: z.number().int().positive().default(8),
      containers: z.number().int().positive().default(2),
      cpu: z.number().int().positive().default(2),
    })
    .default({ instances: 8, containers: 2, cpu: 2 }),
  /** Times a failed instance is retried before it is recorded as failed. */
  retries: z.number().int().min(0).default(1),
  /** Folder for predictions.jsonl and reports. */
  output: z.string().default('./codemonkeys-output'),
});
export type ExperimentConfig = z.output<typeof ExperimentConfigSchema>;
export type ExperimentConfigInput = z.input<typeof ExperimentConfigSchema>;
