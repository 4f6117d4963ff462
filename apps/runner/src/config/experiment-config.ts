import { SandboxLimitsSchema } from '@codemonkeys/protocol';
import { ModelPriceSchema } from '@codemonkeys/llm';
import { z } from 'zod';

/** A model endpoint. The key is read from `apiKeyEnv` at run time and never stored. */
export const ModelEndpointConfigSchema = z.strictObject({
  kind: z.enum(['openai', 'anthropic']).default('openai'),
  /** e.g. http://127.0.0.1:8000/v1 for vLLM/SGLang/Ollama, or the provider's API base. */
  baseUrl: z.url(),
  model: z.string().min(1),
  /** The embeddings model of this endpoint (the `embedding` localizer's `endpoint`/`hybrid` embedders). */
  embeddingModel: z.string().min(1).optional(),
  /**
   * A stable name for the endpoint: it goes into cache keys and experiment ids instead of the URL, so a
   * server that moves to another port keeps its cached answers. Clients of one name share one limiter.
   */
  name: z.string().min(1).optional(),
  /** Name of the environment variable holding the API key (never the key itself). */
  apiKeyEnv: z.string().min(1).optional(),
  maxConcurrent: z.number().int().positive().default(32),
  requestsPerMinute: z.number().int().positive().optional(),
  tokensPerMinute: z.number().int().positive().optional(),
  timeoutMs: z.number().int().positive().default(600_000),
  /** USD per million tokens of this model, when the built-in price list does not know it. */
  price: ModelPriceSchema.optional(),
  /** Extra request headers (not secrets: use apiKeyEnv). */
  headers: z.record(z.string(), z.string()).optional(),
});
export type ModelEndpointConfig = z.output<typeof ModelEndpointConfigSchema>;

/** A plugin by name (short name, package name or path) with its options and the model role it uses. */
export const PluginConfigSchema = z.union([
  z
    .string()
    .min(1)
    .transform((plugin) => ({ plugin, options: {} as Record<string, unknown>, model: 'default' })),
  z.strictObject({
    plugin: z.string().min(1),
    options: z.record(z.string(), z.unknown()).default({}),
    /** Which entry of `models` is this stage's `context.model`. */
    model: z.string().min(1).default('default'),
  }),
]);
export type PluginConfig = z.output<typeof PluginConfigSchema>;

export const DatasetConfigSchema = z.union([
  z
    .string()
    .min(1)
    .transform((path) => ({ path }) as { path: string; instances?: string[]; repo?: string; slice?: string }),
  z.strictObject({
    path: z.string().min(1),
    /** Instance ids or globs (`django__django-1*`). */
    instances: z.array(z.string().min(1)).optional(),
    repo: z.string().optional(),
    /** Python-style slice of the filtered list, e.g. "0:20". */
    slice: z
      .string()
      .regex(/^-?\d*:-?\d*$/, 'must look like "start:end", e.g. "0:20"')
      .optional(),
  }),
]);
export type DatasetConfig = z.output<typeof DatasetConfigSchema>;

const hyperValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/**
 * A sweep: a list of override sets, or a grid (every combination). Override keys are `localizer`,
 * `generator`, `selector` (the plugin), `<stage>.<option>` (a plugin option, e.g. `generator.samples`), or
 * any other name, handed to plugins as `context.hypers`.
 */
export const HypersConfigSchema = z.union([z.array(z.record(z.string(), z.unknown())).min(1), z.strictObject({ grid: z.record(z.string(), z.array(hyperValue).min(1)) })]);

/** `validated`: run only instances whose environment reproduces them; `all`: run every instance, the others flagged; `unchecked`: no validation. */
export const EnvironmentsModeSchema = z.enum(['validated', 'all', 'unchecked']);
export type EnvironmentsMode = z.output<typeof EnvironmentsModeSchema>;

export const DockerSandboxConfigSchema = z.strictObject({
  kind: z.literal('docker').default('docker'),
  limits: SandboxLimitsSchema.partial().default({}),
  commandTimeoutMs: z.number().int().positive().default(1_800_000),
  /** A JSON file of environment specs (`@codemonkeys/swebench`), searched before the built-in ones. */
  specFile: z.string().min(1).optional(),
  /** `debian`: environment images built here; `swebench-image`: official instance images (needs a registry). */
  specKind: z.enum(['debian', 'swebench-image']).default('debian'),
  /** Build a missing Debian base image with the checkout's scripts/build-base-image.sh. */
  buildBaseImages: z.boolean().default(true),
  /** reuse: one container per instance, reset between uses; fresh: a new container per use. */
  isolation: z.enum(['reuse', 'fresh']).default('reuse'),
  /**
   * Gold validation of each instance's environment before any model call, once per storage (the gold
   * patch resolves, the base commit does not): `all` runs every instance and flags the others,
   * `validated` leaves them out, `unchecked` does not validate.
   */
  environments: EnvironmentsModeSchema.default('all'),
  /** A registry mirror official instance images are pulled from (`host[:port][/path]`, for specKind swebench-image). */
  registry: z.string().min(1).optional(),
  /** Disk budget of environment images in bytes: past it, least recently used ones are removed. */
  maxImageDiskBytes: z.number().int().positive().optional(),
});
export type DockerSandboxConfig = z.output<typeof DockerSandboxConfigSchema>;

/** Which pseudo-rewards the runner computes after each stage (gold data is read only there). */
export const RewardsConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /**
   * SWE-bench verdicts in the sandbox: of every distinct candidate (`candidates`, what selection
   * accuracy and the oracle need), of the chosen patch only (`selected`), or none.
   */
  goldTests: z.enum(['candidates', 'selected', 'none']).default('candidates'),
  /** Validity and coverage of the candidates' generated tests (sandbox). */
  generatedTests: z.boolean().default(true),
  /** Time limit of one test run of a reward, in seconds (default: the environment spec's). */
  testTimeoutSeconds: z.number().int().positive().optional(),
});
export type RewardsConfig = z.output<typeof RewardsConfigSchema>;

export const ConcurrencyConfigSchema = z.strictObject({
  /** (instance × run) items worked on at once; model calls are limited per endpoint on top. */
  instances: z.number().int().positive().default(16),
  /** Sandbox commands (test runs, evaluations) at once, over all instances. */
  containers: z.number().int().positive().default(2),
  /** CPU-bound work (repository checkouts, lexical indexing, reward computations) at once. */
  cpu: z.number().int().positive().default(2),
});

export const ExperimentConfigSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[\w.-]+$/, 'may hold letters, digits, ".", "_" and "-" (it starts the experiment and run ids)')
    .default('experiment'),
  dataset: DatasetConfigSchema,
  /** Where to clone repositories from: `owner/name` → URL or local path. Default: the public GitHub URL. */
  repositories: z.record(z.string(), z.string()).default({}),
  /** Persistent folder of repository mirrors (default ~/.cache/codemonkeys/repositories). */
  cacheDirectory: z.string().min(1).optional(),
  models: z.record(z.string(), ModelEndpointConfigSchema).refine((models) => 'default' in models, { message: 'a "default" model is required' }),
  /** One localizer, or several merged by reciprocal-rank fusion. */
  localizer: z.union([PluginConfigSchema, z.array(PluginConfigSchema).min(1)]),
  /** Reciprocal-rank fusion of several localizers: score = Σ weight / (k + rank). */
  fusion: z.strictObject({ k: z.number().positive().default(60), weights: z.array(z.number().positive()).optional() }).default({ k: 60 }),
  /** Required unless `stages` is `localize`. */
  generator: PluginConfigSchema.optional(),
  /** Required unless `stages` is `localize`. */
  selector: PluginConfigSchema.optional(),
  /**
   * `all`: localize → generate → select; `localize`: a localization-only run (stored contexts, their rewards
   * and the report, no predictions), e.g. `--vary localizer=embedding,agentless` side by side.
   */
  stages: z.enum(['all', 'localize']).default('all'),
  storage: z.string().default('sqlite:./runs.db'),
  sandbox: z.union([z.literal('none'), DockerSandboxConfigSchema]).default(() => DockerSandboxConfigSchema.parse({})),
  rewards: RewardsConfigSchema.default(() => RewardsConfigSchema.parse({})),
  hypers: HypersConfigSchema.default([{}]),
  budgets: z.strictObject({ maxTokens: z.number().int().positive().optional(), maxCostUsd: z.number().positive().optional() }).default({}),
  concurrency: ConcurrencyConfigSchema.default(() => ConcurrencyConfigSchema.parse({})),
  /** Times a failed instance is retried (in the same invocation) before it is recorded as failed. */
  retries: z.number().int().min(0).default(1),
  /** Wait before the first retry; doubled for each further one. */
  retryDelayMs: z.number().int().min(0).default(2_000),
  /**
   * Reuse a localization another run of the storage computed with the same localizer, version, options,
   * models, hypers and instance (a variant run that changes only the generator or selector localizes
   * nothing again); recorded with the run it came from and counted in the scorecard.
   */
  reuseLocalizations: z.boolean().default(true),
  /** `redis://host:port`: enqueue (instance × run) jobs for `codemonkeys worker` instead of running them here. */
  queue: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  /** `model_name_or_path` of predictions.jsonl (default: the run id). */
  modelNameOrPath: z.string().min(1).optional(),
  /** Folder for predictions.jsonl and reports. */
  output: z.string().default('./codemonkeys-output'),
});
export type ExperimentConfig = z.output<typeof ExperimentConfigSchema>;
export type ExperimentConfigInput = z.input<typeof ExperimentConfigSchema>;
