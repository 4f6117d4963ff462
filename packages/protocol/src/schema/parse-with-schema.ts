import type { z } from 'zod';
import { SchemaValidationError } from '../errors/data-errors';

/** Validates `value` at a boundary; throws a SchemaValidationError naming `subject` with every issue. */
export function parseWithSchema<S extends z.ZodType>(schema: S, value: unknown, subject: string, hint?: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new SchemaValidationError({ subject, error: result.error, ...(hint ? { hint } : {}) });
  return result.data;
}
