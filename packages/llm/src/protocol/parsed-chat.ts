import type { ChatChoice, Usage } from '@codemonkeys/protocol';
import type { z } from 'zod';

/** One endpoint answer, normalized. `usage` is undefined when the endpoint reported none. */
export interface ParsedChat {
  id: string | undefined;
  model: string | undefined;
  choices: ChatChoice[];
  usage: Usage | undefined;
}

/** The endpoint answered 2xx with JSON of an unexpected shape (not retried: it would answer the same). */
export class ResponseShapeError extends Error {
  constructor(
    readonly protocol: string,
    readonly issues: string,
  ) {
    super(`the ${protocol} response has an unexpected shape: ${issues}`);
  }
}

export function parseWire<S extends z.ZodType>(schema: S, json: unknown, protocol: string): z.output<S> {
  const result = schema.safeParse(json);
  if (!result.success) {
    const issues = result.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    throw new ResponseShapeError(protocol, issues);
  }
  return result.data;
}
