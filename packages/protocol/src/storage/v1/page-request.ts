import { z } from 'zod';
import { parseWithSchema } from '../../schema/parse-with-schema';
import { decodeCursor } from './page-cursor';
import type { PageRequest } from './queries';

/** The largest page a query returns; ask for more pages rather than bigger ones. */
export const maxPageSize = 1000;
export const defaultPageSize = 100;

export const PageRequestSchema = z.object({
  order: z.enum(['asc', 'desc']).optional(),
  limit: z.number().int().min(1).max(maxPageSize).optional(),
  cursor: z.string().min(1).optional(),
});

/** A page request checked and with its defaults: what every backend's query methods start from. */
export interface ResolvedPageRequest {
  order: 'asc' | 'desc';
  limit: number;
  /** The decoded sort key after which (in `order`) the page starts. */
  after?: unknown[];
}

/** Validates the paging part of a query (clear error on a bad limit or a foreign cursor). */
export function resolvePageRequest(request: PageRequest, cursorShape?: ReadonlyArray<'string' | 'number'>): ResolvedPageRequest {
  const { order, limit, cursor } = parseWithSchema(
    PageRequestSchema,
    { order: request.order, limit: request.limit, cursor: request.cursor },
    'Page request',
    `Use limit 1..${maxPageSize}, order "asc" or "desc", and a cursor from nextCursor.`,
  );
  return {
    order: order ?? 'asc',
    limit: limit ?? defaultPageSize,
    ...(cursor ? { after: decodeCursor(cursor, cursorShape) } : {}),
  };
}
