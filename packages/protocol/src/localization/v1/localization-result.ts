import { z } from 'zod';
import { CodePointerSchema } from '../../code-pointer/v1/code-pointer';

/**
 * What a localizer returns: either code pointers or a ready prompt string (rendered by core's renderer,
 * so that it can be mapped back to the lines it shows), and free-form metadata (tokens, cost, choices).
 */
export const LocalizationResultSchema = z.object({
  content: z.union([z.string(), z.array(CodePointerSchema)]),
  metadata: z.record(z.string(), z.unknown()).default({}),
});
export type LocalizationResult = z.output<typeof LocalizationResultSchema>;
