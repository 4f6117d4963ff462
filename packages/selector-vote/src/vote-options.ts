import { z } from 'zod';

/** Options of the vote selector (validated by the runner; unknown keys are refused). */
export const VoteOptionsSchema = z
  .object({
    /**
     * How candidates are normalized before grouping. `auto`: an AST round trip of Python files
     * (`ast.unparse` with python3) in the instance's sandbox when there is one, the textual normalization
     * otherwise. `ast` requires a sandbox. `text`: never run anything.
     */
    normalization: z.enum(['auto', 'ast', 'text']).default('auto'),
    /**
     * Vote by the candidates' generated tests (`patch.tests`): every test runs on every candidate and on the
     * unpatched code in the sandbox, and a candidate's votes are the tests it passes. `auto`: when there is a
     * sandbox and some candidate carries tests. The patch vote then breaks ties.
     */
    testVote: z.union([z.boolean(), z.literal('auto')]).default('auto'),
    /** Time limit of one generated test run. */
    testTimeoutMs: z.number().int().positive().default(120_000),
    /** Candidates listed, best first, in the metadata (`selection.topK`) for a later stage. */
    topK: z.number().int().min(1).max(1000).default(3),
    /**
     * Run the repository's own existing tests near the changed files on each candidate (never the
     * instance's FAIL_TO_PASS / PASS_TO_PASS lists) and keep the candidates with the fewest new failures.
     */
    regressionFilter: z
      .object({
        /** Command run from the repository root; `{files}` is replaced by the test files found. */
        command: z.string().min(1).default('python3 -m pytest -rA -p no:cacheprovider {files}'),
        /** Test files run at most (the ones nearest the changed files first). */
        maxTestFiles: z.number().int().min(1).max(100).default(5),
        timeoutMs: z.number().int().positive().default(600_000),
      })
      .strict()
      .optional(),
    /** Without a sandbox, check each hunk's context against the base commit's files (through the workspace) so that non-applying candidates never win. */
    checkApplies: z.boolean().default(true),
    /** Cache generated-test runs in `context.storage`, keyed by (test, patch). */
    cache: z.boolean().default(true),
  })
  .strict();

export type VoteOptions = z.output<typeof VoteOptionsSchema>;
export type VoteOptionsInput = z.input<typeof VoteOptionsSchema>;
