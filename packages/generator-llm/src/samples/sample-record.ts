import { MessageSchema, UsageSchema } from '@codemonkeys/protocol';
import { z } from 'zod';
import { refusalReasons } from '../edits/edit-plan';

/**
 * How a sample's conversation ended: `done` (the model declared the fix done), `answered` (one-shot: a
 * usable answer), `attempts-exhausted`, `context-exceeded` (the next call would not have fit),
 * `unparseable` (one-shot: no usable answer after the re-asks), `endpoint-error` (a call failed after
 * the client's retries, or the budget was spent).
 */
export const finalStates = ['done', 'answered', 'attempts-exhausted', 'context-exceeded', 'unparseable', 'endpoint-error'] as const;
export const FinalStateSchema = z.enum(finalStates);
export type FinalState = z.output<typeof FinalStateSchema>;

/** `ok`: a non-empty diff; `no-op`: the edits applied but change nothing; `failed`: no usable edit. */
export const SampleStatusSchema = z.enum(['ok', 'no-op', 'failed']);
export type SampleStatus = z.output<typeof SampleStatusSchema>;

export const FileEditSchema = z.object({
  index: z.number().int().min(0),
  path: z.string(),
  search: z.string(),
  replace: z.string(),
  deleteFile: z.boolean().optional(),
});

export const AppliedEditSchema = z.object({
  index: z.number().int().min(0),
  path: z.string(),
  method: z.enum(['exact', 'whitespace', 'fuzzy', 'new-file', 'deleted-file']),
  startLine: z.number().int().optional(),
  endLine: z.number().int().optional(),
  similarity: z.number().optional(),
  lineNumbersStripped: z.boolean().optional(),
});

export const EditRefusalSchema = z.object({
  index: z.number().int().min(0),
  path: z.string(),
  reason: z.enum(refusalReasons),
  message: z.string(),
});

export const TestRunSchema = z.object({
  exitCode: z.number().int().nullable(),
  verdict: z.enum(['not-fixed', 'fixed', 'error', 'timeout', 'not-applied', 'sandbox-error']),
  output: z.string(),
  timedOut: z.boolean(),
  durationMs: z.number().min(0),
});

export const CallTotalsSchema = z.object({
  calls: z.number().int().min(0),
  usage: UsageSchema,
  costUsd: z.number().min(0),
  cacheHits: z.number().int().min(0),
});

/** An answer that could not be used, and why (shown to the model when it was asked again). */
export const RefusedAnswerSchema = z.object({
  conversation: z.enum(['editing', 'testing']),
  /** The attempt (model call, from 1) whose answer was refused. */
  attempt: z.number().int().min(1),
  problems: z.array(z.string()),
  refusals: z.array(EditRefusalSchema).optional(),
});
export type RefusedAnswer = z.output<typeof RefusedAnswerSchema>;

/** One round of the editing machine: what the answer changed and how the test went on the original and edited code. */
export const IterationSchema = z.object({
  attempt: z.number().int().min(1),
  changed: z.enum(['edit', 'test', 'edit-and-test']),
  originalExitCode: z.number().int().nullable(),
  originalVerdict: TestRunSchema.shape.verdict,
  editedExitCode: z.number().int().nullable().optional(),
  editedVerdict: TestRunSchema.shape.verdict.optional(),
});
export type Iteration = z.output<typeof IterationSchema>;

/** The reproduction test of a sample and what is known about it. */
export const SampleTestSchema = z.object({
  content: z.string(),
  source: z.enum(['independent', 'combined']),
  /** Iterative `independent` mode: how the testing conversation ended. */
  testingFinalState: FinalStateSchema.optional(),
  original: TestRunSchema.optional(),
  edited: TestRunSchema.optional(),
});

export const SampleResultSchema = z.object({
  sample: z.number().int().min(0),
  mode: z.enum(['one-shot', 'iterative']),
  diff: z.string(),
  status: SampleStatusSchema,
  finalState: FinalStateSchema,
  failure: z.object({ reason: z.string(), message: z.string() }).optional(),
  edits: z.array(AppliedEditSchema),
  refusedAnswers: z.array(RefusedAnswerSchema),
  /** The test, or why the sample has none although one was asked for. */
  test: SampleTestSchema.optional(),
  testProblem: z.string().optional(),
  attempts: z.object({ editing: z.number().int().min(0), testing: z.number().int().min(0).optional() }),
  iterations: z.array(IterationSchema).optional(),
  messages: z.array(MessageSchema),
  totals: CallTotalsSchema,
  /** Part of the sample came from work state saved by an earlier, stopped run. */
  resumed: z.boolean(),
});
export type SampleResult = z.output<typeof SampleResultSchema>;
export type SampleTest = z.output<typeof SampleTestSchema>;
