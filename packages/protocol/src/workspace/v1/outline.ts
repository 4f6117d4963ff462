import { z } from 'zod';

/** A class, function or method of a source file, with its line span and signature. */
export const OutlineEntrySchema = z.object({
  kind: z.enum(['class', 'function', 'method']),
  name: z.string(),
  /** Dotted name including enclosing classes and functions: `Model.save`. */
  qualifiedName: z.string(),
  startLine: z.number().int().min(1),
  endLine: z.number().int().min(1),
  /** The definition header as written, e.g. `def save(self, force_insert=False):`. */
  signature: z.string(),
});
export type OutlineEntry = z.output<typeof OutlineEntrySchema>;
