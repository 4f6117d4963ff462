import type { SecretRedactor } from '@codemonkeys/protocol';
import type { Dispatcher } from 'undici';
import { AttemptFailureSignal, httpFailure, malformedJsonFailure } from '../client/attempt-failure';
import { sendHttpRequest } from './http-transport';

/** JSON over HTTP POST to one origin: what every wire protocol here shares. */
export interface JsonEndpoint {
  /** One attempt. A non-2xx status or a body that is not JSON throws an AttemptFailureSignal (classified, redacted). */
  post(path: string, body: string, signal: AbortSignal | undefined): Promise<unknown>;
}

export function createJsonEndpoint(options: {
  origin: string;
  headers: Record<string, string>;
  dispatcher: Dispatcher;
  timeoutMs: number;
  redactor: SecretRedactor;
}): JsonEndpoint {
  const { origin, headers, dispatcher, timeoutMs, redactor } = options;
  return {
    async post(path, body, signal) {
      const exchange = await sendHttpRequest(dispatcher, { origin, path, method: 'POST', headers, body, timeoutMs, ...(signal ? { signal } : {}) });
      if (exchange.statusCode < 200 || exchange.statusCode >= 300) throw new AttemptFailureSignal(httpFailure(exchange, redactor));
      try {
        return JSON.parse(exchange.body) as unknown;
      } catch (error) {
        throw new AttemptFailureSignal(malformedJsonFailure(exchange, redactor, error));
      }
    },
  };
}
