import { z } from 'zod';
import type { Instance } from './instance';

/**
 * What a plugin may know about an instance: the issue and where the code is. It has no gold patch,
 * test patch or test lists, and the schema is strict so none can be added by accident.
 */
export const TaskSchema = z.strictObject({
  instanceId: z.string().min(1),
  repo: z.string().min(1),
  baseCommit: z.string().min(1),
  problemStatement: z.string(),
  hintsText: z.string(),
  createdAt: z.string().optional(),
  version: z.string().optional(),
});
export type Task = z.output<typeof TaskSchema>;

/** The gold-free view of an instance. */
export function toTask(instance: Instance): Task {
  return TaskSchema.parse({
    instanceId: instance.instanceId,
    repo: instance.repo,
    baseCommit: instance.baseCommit,
    problemStatement: instance.problemStatement,
    hintsText: instance.hintsText,
    ...(instance.createdAt ? { createdAt: instance.createdAt } : {}),
    ...(instance.version ? { version: instance.version } : {}),
  });
}
