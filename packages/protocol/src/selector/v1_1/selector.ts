import { z } from 'zod';
import type { Patch } from '../../patch/v1/patch';
import { PatchSchema } from '../../patch/v1/patch';

/** What a selector chose: the candidate's position in the list it was given, the patch, and why. */
export const SelectionSchema = z.object({
  /** 0-based index into the candidates the selector was given. */
  index: z.number().int().min(0),
  patch: PatchSchema,
  /** One or a few sentences: the rule or the model's reason (shown in reports and the viewer). */
  reason: z.string(),
  metadata: z.record(z.string(), z.unknown()).default({}),
});
export type Selection = z.output<typeof SelectionSchema>;
export type SelectionInput = z.input<typeof SelectionSchema>;

/** Picks one patch from the candidates of an instance and says which and why (protocol v1.1). */
export interface SelectorV1_1 {
  readonly specificationVersion: 'v1.1';
  run(candidates: Patch[], instanceId: string): Promise<SelectionInput>;
}
