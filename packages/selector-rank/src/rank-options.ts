import { modelOptions } from '@codemonkeys/plugin-kit';
import { z } from 'zod';

export const rankModes = ['auto', 'single-turn', 'state-machine'] as const;

/** Options of the rank selector (validated by the runner; unknown keys are refused). */
export const RankOptionsSchema = z
  .object({
    /**
     * `single-turn`: the model sees the issue and the candidates (with their test results) and names one.
     * `state-machine` (CodeMonkeys): the model may first write discriminating tests that run on the original
     * code and every candidate in the sandbox, up to `maxAttempts` times, then names one. `auto`: the state
     * machine when the instance has a sandbox, single-turn otherwise.
     */
    mode: z.enum(rankModes).default('auto'),
    /** Tests the model may write and run before it must choose (state machine). */
    maxAttempts: z.number().int().min(0).max(20).default(3),
    /**
     * Keep the best `topK` candidates by the test vote (their generated tests run on every candidate in the
     * sandbox) before the model sees them (CodeMonkeys: 3). Without a sandbox or generated tests (candidates
     * pooled from other systems) by their identical copies; with neither signal every candidate goes to the
     * model. Leave out to show every candidate.
     */
    topK: z.number().int().min(1).max(100).optional(),
    /** Prompt tokens a comparison may use; past this, candidates are compared in a tournament. */
    maxPromptTokens: z.number().int().positive().default(100_000),
    /** Candidates per comparison of a tournament round (2 = pairwise). */
    tournamentGroupSize: z.number().int().min(2).max(20).default(2),
    /** Tokens an answer may use. */
    maxAnswerTokens: z.number().int().positive().default(4096),
    temperature: z.number().min(0).max(2).default(0),
    ...modelOptions,
    /** Show the test vote's results (which generated tests each candidate passes) to the model. */
    showTestResults: z.boolean().default(true),
    /** Time limit of one test run in the sandbox (generated tests and the model's own tests). */
    testTimeoutMs: z.number().int().positive().default(120_000),
    /** Characters of each test run's output shown to the model. */
    maxTestOutputChars: z.number().int().min(100).max(100_000).default(2_000),
    /** Cache test runs in `context.storage`, keyed by (test, patch). */
    cache: z.boolean().default(true),
  })
  .strict();

export type RankOptions = z.output<typeof RankOptionsSchema>;
export type RankOptionsInput = z.input<typeof RankOptionsSchema>;
