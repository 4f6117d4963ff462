import { z } from 'zod';
import { normalizeRepositoryPath } from '../../workspace/repository-path';

export const CodePointerKindSchema = z.enum(['file', 'class', 'function', 'lines']);
export type CodePointerKind = z.output<typeof CodePointerKindSchema>;

const repositoryPath = z.string().transform((value, context) => {
  try {
    return normalizeRepositoryPath(value);
  } catch (error) {
    context.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

/** A span of a file in the repository at the base commit. Lines are 1-based and inclusive. */
export const CodePointerSchema = z
  .object({
    path: repositoryPath,
    startLine: z.number().int().min(1, 'lines are 1-based'),
    endLine: z.number().int().min(1, 'lines are 1-based'),
    symbol: z.string().optional(),
    kind: CodePointerKindSchema.optional(),
    score: z.number().optional(),
  })
  .refine((pointer) => pointer.endLine >= pointer.startLine, {
    message: 'endLine must not be smaller than startLine',
    path: ['endLine'],
  });
export type CodePointer = z.output<typeof CodePointerSchema>;
