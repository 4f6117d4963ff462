import { z } from 'zod';

/** Consensus modes of the vote (the step after the regression filter and the test vote). */
export const voteModes = ['patch-vote', 'similarity'] as const;
export type VoteMode = (typeof voteModes)[number];

/** Tie-breaks after the consensus step, before "first seen". */
export const voteTieBreaks = ['smaller-patch', 'issue-files', 'issue-mentions'] as const;
export type VoteTieBreak = (typeof voteTieBreaks)[number];

/** Options of the regression filter (the repository's own tests; never the instance's gold test lists). */
export const RegressionFilterOptionsSchema = z
  .object({
    /** Command run from the repository root; `{files}` is replaced by the test files found (shell-quoted). */
    command: z.string().min(1).default('python3 -m pytest -rA -p no:cacheprovider {files}'),
    /** Test files run at most (named after a changed module first, then importing one, then sharing its directory). */
    maxTestFiles: z.number().int().min(1).max(100).default(5),
    /** Test files read to find the ones importing a changed module (the nearest first). */
    maxFilesScanned: z.number().int().min(0).max(100_000).default(400),
    /** Time limit of one run of the tests (at the base commit or with one candidate). */
    timeoutMs: z.number().int().positive().default(600_000),
    /** Time box of the whole filter on one instance: candidates not reached are left unfiltered, and recorded. */
    instanceBudgetMs: z.number().int().positive().default(1_800_000),
  })
  .strict();
export type RegressionFilterOptions = z.output<typeof RegressionFilterOptionsSchema>;

/** Options of the vote selector (validated by the runner; unknown keys are refused). */
export const VoteOptionsSchema = z
  .object({
    /**
     * The consensus step. `patch-vote`: the largest group of equal normalized patches (Agentless).
     * `similarity`: each candidate scored by its mean similarity (Dice over normalized changed lines) to
     * the other candidates, the medoid winning; exact duplicates count fully, so a majority still wins.
     * The default is what measured best on real predictions (README).
     */
    mode: z.enum(voteModes).default('similarity'),
    /**
     * What breaks a tie of the consensus step. `smaller-patch`: fewest changed lines. `issue-files`: first
     * the candidates touching more files the issue names, then fewest lines; `issue-mentions`: files and
     * changed functions/classes the issue names. Only the issue text (`context.task`) and the candidates are read.
     */
    tieBreak: z.enum(voteTieBreaks).default('smaller-patch'),
    /**
     * How candidates are normalized before grouping. `auto`: an AST round trip of Python files
     * (`ast.unparse` with python3) in the instance's sandbox when there is one, the textual normalization
     * otherwise. `ast` requires a sandbox. `text`: never run anything.
     */
    normalization: z.enum(['auto', 'ast', 'text']).default('auto'),
    /**
     * Vote by the candidates' generated tests (`patch.tests`): every test runs on every candidate and on the
     * unpatched code in the sandbox, and a candidate's votes are the tests it passes. `auto`: when there is a
     * sandbox and some candidate carries tests. The consensus step then breaks ties.
     */
    testVote: z.union([z.boolean(), z.literal('auto')]).default('auto'),
    /** Time limit of one generated test run. */
    testTimeoutMs: z.number().int().positive().default(120_000),
    /** Candidates listed, best first, in the metadata (`selection.topK`) for a later stage. */
    topK: z.number().int().min(1).max(1000).default(3),
    /**
     * Run the repository's own existing tests related to the changed files at the base commit and with
     * each candidate (never the instance's FAIL_TO_PASS / PASS_TO_PASS lists); candidates that break tests
     * passing at the base commit rank below the others. Off unless given (`{}` for the defaults).
     */
    regressionFilter: RegressionFilterOptionsSchema.optional(),
    /**
     * Without a sandbox, check each hunk's context against the base commit's files (through the workspace)
     * so that non-applying candidates never win. Without a workspace either, the check is skipped and the
     * reason recorded.
     */
    checkApplies: z.boolean().default(true),
    /** Cache generated-test and regression runs in the plugin's cache, keyed by (instance, tests, diff). */
    cache: z.boolean().default(true),
  })
  .strict();

export type VoteOptions = z.output<typeof VoteOptionsSchema>;
export type VoteOptionsInput = z.input<typeof VoteOptionsSchema>;
