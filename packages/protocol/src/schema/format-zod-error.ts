import { z } from 'zod';

/** One readable line per issue: `  ✖ path.to.field: message`. */
export function formatZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
      return `  ✖ ${where}: ${issue.message}`;
    })
    .join('\n');
}
