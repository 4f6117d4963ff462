import { hintOptions, modelOptions } from '@codemonkeys/plugin-kit';
import { z } from 'zod';
import { editFormats } from './edits/file-edit';

export const testModes = ['none', 'independent', 'combined'] as const;
export type TestMode = (typeof testModes)[number];

/** Options of the generator (validated by the runner; unknown keys are refused). */
export const LlmGeneratorOptionsSchema = z
  .object({
    /** Candidates per instance. */
    samples: z.number().int().min(1).max(256).default(1),
    /** `independent`: one call per sample (its own seed); `n`: the first answer of every sample from one call with `n = samples`. */
    sampling: z.enum(['independent', 'n']).default('independent'),
    /** Sampling temperature; default 0 for one sample, 0.8 for several. */
    temperature: z.number().min(0).max(2).optional(),
    /** Base seed: sample i is sent `seed + i` (where the endpoint takes seeds). */
    seed: z.number().int().min(0).optional(),
    /** Samples worked on at once (model calls are further limited by the client, sandbox runs by the sandbox pool). */
    concurrency: z.number().int().min(1).max(256).default(4),
    /** How the model writes edits: SEARCH/REPLACE blocks, or unified diffs (applied hunk by hunk with the same matching). */
    editFormat: z.enum(editFormats).default('search-replace'),
    /** Reproduction tests: none, written by a separate conversation (`independent`), or in the same answer as the fix (`combined`). */
    tests: z.enum(['none', 'independent', 'combined']).default('none'),
    /** Model calls of the editing conversation of a sample; above 1 the sample iterates with the sandbox (CodeMonkeys' state machines). */
    maxAttempts: z.number().int().min(1).max(100).default(1),
    /** Model calls of the testing conversation in iterative mode with `tests: independent` (default: `maxAttempts`). */
    maxTestAttempts: z.number().int().min(1).max(100).optional(),
    /** One-shot mode: how many times an unusable answer is asked again before the sample fails. */
    maxReasks: z.number().int().min(0).max(10).default(1),
    /** Fuzzy matching of SEARCH text: mean Levenshtein ratio of the lines. */
    fuzzyThreshold: z.number().min(0.5).max(1).default(0.8),
    /** Fuzzy matching: share of SEARCH lines that must equal their file line, whitespace ignored. */
    minimumMatchingLineShare: z.number().min(0).max(1).default(0.5),
    /** Tokens a call's prompt and answer may take together; a conversation that would exceed it stops (`context-exceeded`). */
    contextWindow: z.number().int().positive().default(128_000),
    /** Tokens an answer may take. */
    maxAnswerTokens: z.number().int().positive().default(4096),
    /** Tokens the code may take when the localization is pointers (rendered by core's renderContext); unlimited when absent. */
    contextTokenBudget: z.number().int().positive().optional(),
    ...hintOptions,
    /** Where the reproduction test is written, relative to the repository root (a free name is chosen if the file exists). */
    testPath: z.string().min(1).default('reproduce_issue.py'),
    /** How the test is run from the repository root; `{path}` is replaced by the test's path. */
    testCommand: z.string().min(1).default('python3 {path}'),
    /** Time limit of one test run in the sandbox. */
    testTimeoutSeconds: z.number().positive().max(3600).default(120),
    /** Characters of a test's output shown to the model (head and tail kept). */
    maxTestOutputCharacters: z.number().int().min(200).default(6000),
    /** One-shot mode with a sandbox: run each generated test on the original and the edited code and record the exit codes. */
    runGeneratedTests: z.boolean().default(true),
    ...modelOptions,
    /** Ask the endpoint to cache the prompt prefix (Anthropic); ignored where unsupported. */
    promptCaching: z.boolean().default(false),
    /** Continue samples from the work state a stopped run saved (same run id); false starts every sample afresh. */
    resume: z.boolean().default(true),
  })
  .strict()
  .superRefine((options, issues) => {
    if (options.maxAttempts > 1 && options.tests === 'none') {
      issues.addIssue({
        code: 'custom',
        path: ['tests'],
        message: 'iterative mode (maxAttempts > 1) needs a reproduction test to run: set tests to "independent" or "combined", or maxAttempts to 1',
      });
    }
    if (!options.testCommand.includes('{path}')) {
      issues.addIssue({ code: 'custom', path: ['testCommand'], message: 'the test command must contain {path}, the place of the test script (e.g. "python3 {path}")' });
    }
  });

export type LlmGeneratorOptions = z.output<typeof LlmGeneratorOptionsSchema>;
export type LlmGeneratorOptionsInput = z.input<typeof LlmGeneratorOptionsSchema>;
