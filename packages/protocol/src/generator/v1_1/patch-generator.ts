import { z } from 'zod';
import { FailureSchema } from '../../failure/v1_1/failure';
import type { LocalizationResult } from '../../localization/v1/localization-result';
import { MessageSchema } from '../../message/v1/message';
import { PatchSchema } from '../../patch/v1/patch';

/**
 * One candidate of a generator: the patch, the conversation that produced it, and whether it is a result.
 * `ok`: a patch (possibly empty: "no change" is an answer). `unparseable`: the model answered, the answer
 * could not be used (a failed sample, kept as a result). `failed`: no answer was obtained or the work
 * broke; `failure.reason` says whether it is infrastructure (redone on resume) or a result.
 */
export const CandidateSchema = z
  .object({
    patch: PatchSchema,
    messages: z.array(MessageSchema),
    status: z.enum(['ok', 'unparseable', 'failed']),
    failure: FailureSchema.optional(),
  })
  .refine((candidate) => candidate.status === 'ok' || candidate.failure !== undefined, {
    message: 'a candidate whose status is not "ok" needs a failure (reason and message)',
    path: ['failure'],
  });
export type Candidate = z.output<typeof CandidateSchema>;
export type CandidateInput = z.input<typeof CandidateSchema>;

/** Produces candidates, each with its own conversation (protocol v1.1). */
export interface PatchGeneratorV1_1 {
  readonly specificationVersion: 'v1.1';
  run(localization: LocalizationResult, instanceId: string): Promise<CandidateInput[]>;
}
