import { z } from 'zod';

/**
 * Why a piece of work (a sample, a stage, an instance) did not give a result. Shared by every stage and
 * the scheduler, so that a report can tell "the model answered and the answer was wrong" from "the
 * endpoint was down".
 *
 * - Infrastructure reasons (`endpoint-error`, `budget`, `sandbox`, `infrastructure`, `interrupted`): no
 *   result was obtained. Such work is not a result: a resumed run redoes it, and an instance with such
 *   work is `partial`.
 * - Result reasons (`unparseable`, `invalid-edit`, `timeout`, `plugin-error`): the work ran to an answer
 *   that could not be used. That *is* a result (a failed sample) and is kept.
 */
export const FailureReasonSchema = z.enum(['endpoint-error', 'budget', 'sandbox', 'infrastructure', 'interrupted', 'unparseable', 'invalid-edit', 'timeout', 'plugin-error']);
export type FailureReason = z.output<typeof FailureReasonSchema>;

/** The reasons that mean "no result was obtained": redone on resume, never counted as a result. */
export const infrastructureFailureReasons = ['endpoint-error', 'budget', 'sandbox', 'infrastructure', 'interrupted'] as const satisfies readonly FailureReason[];

export const FailureSchema = z.object({
  reason: FailureReasonSchema,
  /** One line a person can act on (never a secret). */
  message: z.string(),
  /** Further facts (status code, attempts, the error's name). */
  details: z.record(z.string(), z.unknown()).optional(),
});
export type Failure = z.output<typeof FailureSchema>;

/** True for a failure whose work must be redone (no result was obtained). */
export function isInfrastructureFailure(failure: Pick<Failure, 'reason'> | undefined): boolean {
  return failure !== undefined && (infrastructureFailureReasons as readonly string[]).includes(failure.reason);
}
