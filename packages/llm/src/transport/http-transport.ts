import type { IncomingHttpHeaders } from 'node:http';
import { Agent, type Dispatcher } from 'undici';

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

export interface HttpRequestOptions {
  /** `http://host:port` */
  origin: string;
  /** Path with query, e.g. `/v1/chat/completions`. */
  path: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * One HTTP request with a deadline, through undici's `dispatch` with a handler that collects the body
 * (about a third less CPU per call than `request()`, which wraps every body in a stream). Rejects with
 * `RequestTimeoutError` when the deadline passes, with the caller's abort reason when `signal` is
 * aborted, and with undici's error for network failures; in each case the request is aborted too.
 */
export function sendHttpRequest(dispatcher: Dispatcher, options: HttpRequestOptions): Promise<HttpExchange> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<HttpExchange>((resolve, reject) => {
    let settled = false;
    let controller: Dispatcher.DispatchController | undefined;
    let abortReason: Error | undefined;
    let statusCode = 0;
    let headers: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];

    const finish = (error: unknown, exchange?: HttpExchange): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (exchange) resolve(exchange);
      else reject(error);
    };
    // Settles at once; the request itself is aborted as soon as undici has handed us its controller.
    const abort = (reason: Error): void => {
      abortReason = reason;
      controller?.abort(reason);
      finish(reason);
    };
    const onAbort = (): void => abort(signal?.reason instanceof Error ? signal.reason : new Error(String(signal?.reason)));
    const timer = setTimeout(() => abort(new RequestTimeoutError(options.timeoutMs)), options.timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(requestController) {
        controller = requestController;
        if (abortReason) requestController.abort(abortReason);
      },
      onResponseStart(_controller, responseStatus, responseHeaders) {
        statusCode = responseStatus;
        headers = responseHeaders;
      },
      onResponseData(_controller, chunk) {
        chunks.push(chunk);
      },
      onResponseEnd() {
        const body = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
        finish(undefined, { statusCode, headers, body });
      },
      onResponseError(_controller, error) {
        finish(signal?.aborted && !(abortReason instanceof RequestTimeoutError) ? signal.reason : (abortReason ?? error));
      },
    };
    try {
      dispatcher.dispatch(
        { origin: options.origin, path: options.path, method: options.method, headers: options.headers, ...(options.body !== undefined ? { body: options.body } : {}) },
        handler,
      );
    } catch (error) {
      finish(error);
    }
  });
}
