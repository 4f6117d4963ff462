import type { IncomingHttpHeaders } from 'node:http';
import { Agent, request } from 'undici';

export interface HttpExchange {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** The per-request deadline passed (connect, headers and body together). */
export class RequestTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no complete response within ${timeoutMs} ms`);
  }
}

/**
 * A keep-alive connection pool for one endpoint. undici's own idle timeouts are off: the client's
 * per-request deadline governs, so a slow generation is not cut at undici's 300 s default.
 */
export function createHttpDispatcher(options: { connections?: number } = {}): Agent {
  return new Agent({
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
    headersTimeout: 0,
    bodyTimeout: 0,
    ...(options.connections ? { connections: options.connections } : {}),
  });
}

/**
 * One HTTP request with a deadline. Rejects with `RequestTimeoutError` when the deadline passes, with
 * the caller's abort reason when `signal` is aborted, and with undici's error for network failures.
 */
export async function sendHttpRequest(
  dispatcher: Agent,
  options: { url: string; method: 'GET' | 'POST'; headers: Record<string, string>; body?: string; timeoutMs: number; signal?: AbortSignal },
): Promise<HttpExchange> {
  if (options.signal?.aborted) throw options.signal.reason;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new RequestTimeoutError(options.timeoutMs));
  }, options.timeoutMs);
  const onAbort = (): void => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const response = await request(options.url, {
      method: options.method,
      headers: options.headers,
      ...(options.body !== undefined ? { body: options.body } : {}),
      signal: controller.signal,
      dispatcher,
    });
    const body = await response.body.text();
    return { statusCode: response.statusCode, headers: response.headers, body };
  } catch (error) {
    if (timedOut) throw new RequestTimeoutError(options.timeoutMs);
    if (options.signal?.aborted) throw options.signal.reason;
    throw error;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}
