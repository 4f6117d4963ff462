import { z } from 'zod';

/**
 * A reproduction test written by a generator. Contract (CodeMonkeys): run `command` from the repository
 * root; exit code 0 means the issue is fixed, 2 means it is not fixed, anything else is an error.
 */
export const GeneratedTestSchema = z.object({
  /** File to write, relative to the repository root. */
  path: z.string().min(1),
  content: z.string(),
  /** Command that runs the test from the repository root, e.g. `python3 reproduce_issue.py`. */
  command: z.string().min(1),
  metadata: z.record(z.string(), z.unknown()).default({}),
});
export type GeneratedTest = z.output<typeof GeneratedTestSchema>;

/** A candidate fix: a unified diff against the base commit (empty string = no change). */
export const PatchSchema = z.object({
  instanceId: z.string().min(1),
  diff: z.string(),
  tests: z.array(GeneratedTestSchema).optional(),
  metadata: z.record(z.string(), z.unknown()).default({}),
});
export type Patch = z.output<typeof PatchSchema>;
