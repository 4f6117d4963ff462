import { hintOptions, localizerOutputOptions, sourceFileOptions } from '@codemonkeys/plugin-kit';
import { z } from 'zod';

/** Options of the relevance localizer (validated by the runner; unknown keys are refused). */
export const RelevanceOptionsSchema = z
  .object({
    ...hintOptions,
    ...sourceFileOptions,
    /** Files larger than this (UTF-8 bytes) are not judged; they are listed in the metadata. */
    maxFileBytes: z.number().int().positive().default(200_000),
    /** Judgment calls this localizer keeps in flight; the model client's endpoint limits apply on top. */
    concurrency: z.number().int().min(1).max(1024).default(32),
    /** Experiment model role of the per-file judge (`context.modelFor`); the stage's model when the experiment names none. */
    judgeRole: z.string().min(1).default('judge'),
    /** Experiment model role of the ranker. */
    rankerRole: z.string().min(1).default('ranker'),
    /** Model names sent with the requests (default: each client's default model). */
    judgeModel: z.string().min(1).optional(),
    rankerModel: z.string().min(1).optional(),
    judgeMaxAnswerTokens: z.number().int().positive().default(1024),
    rankerMaxAnswerTokens: z.number().int().positive().default(4096),
    /** Orderings of the relevant files asked of the ranker, merged by mean relative rank. */
    rankings: z.number().int().min(1).max(32).default(3),
    /** Temperature of the rankings; default 0 for one ranking, 0.7 for several. Judgments run at 0. */
    rankingTemperature: z.number().min(0).max(2).optional(),
    /** Tokens of the final context: files are added in rank order while they fit. */
    tokenBudget: z.number().int().positive().default(128_000),
    /** The context size the ranker is told is usually enough (default: half the budget). */
    targetTokens: z.number().int().positive().optional(),
    /** Keep judgments and rankings in `context.storage`, keyed by prompt version, model and content, so reruns make no calls. */
    cache: z.boolean().default(true),
    /** Pointers are whole files, in rank order. */
    ...localizerOutputOptions,
  })
  .strict();

export type RelevanceOptions = z.output<typeof RelevanceOptionsSchema>;
export type RelevanceOptionsInput = z.input<typeof RelevanceOptionsSchema>;
