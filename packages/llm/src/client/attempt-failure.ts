import { ModelCallError, type SecretRedactor } from '@codemonkeys/protocol';
import type { HttpExchange } from '../transport/http-transport';
import { RequestTimeoutError } from '../transport/http-transport';
import { isRetryableStatus, retryAfterMs } from '../transport/retry-policy';
import { ResponseShapeError } from '../protocol/parsed-chat';

const excerptLength = 1000;

/** Why one attempt failed, already redacted: the retry loop decides from it, and the final error is built from it. */
export interface AttemptFailure {
  kind: 'http' | 'timeout' | 'network' | 'malformed-json' | 'unexpected-shape' | 'unexpected';
  retryable: boolean;
  /** What went wrong, in a few words (redacted). */
  reason: string;
  statusCode?: number;
  retryAfterMs?: number;
  bodyExcerpt?: string;
  cause?: unknown;
}

/** Thrown inside an attempt to carry a classified failure out of it. */
export class AttemptFailureSignal extends Error {
  constructor(readonly failure: AttemptFailure) {
    super(failure.reason);
  }
}

// Network failures worth another try: the connection broke or could not be made right now.
const retryableNetworkCodes = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 5; current = (current as { cause?: unknown }).cause, depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
  }
  return codes;
}

/** The provider's own error message from a JSON error body (OpenAI, Anthropic, vLLM/FastAPI shapes). */
function providerMessage(body: string): string | undefined {
  try {
    const json = JSON.parse(body) as Record<string, unknown>;
    const error = json.error;
    if (typeof error === 'string') return error;
    if (error && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string') return (error as { message: string }).message;
    if (typeof json.message === 'string') return json.message;
    if (typeof json.detail === 'string') return json.detail;
    if (json.detail !== undefined) return JSON.stringify(json.detail).slice(0, 300);
  } catch {
    // not JSON: the excerpt says it
  }
  return undefined;
}

export function httpFailure(exchange: HttpExchange, redactor: SecretRedactor): AttemptFailure {
  const message = providerMessage(exchange.body);
  const wait = retryAfterMs(exchange.headers);
  return {
    kind: 'http',
    retryable: isRetryableStatus(exchange.statusCode),
    reason: redactor.redactText(`HTTP ${exchange.statusCode}${message ? `: ${message}` : ''}`),
    statusCode: exchange.statusCode,
    ...(wait !== undefined ? { retryAfterMs: wait } : {}),
    bodyExcerpt: redactor.redactText(exchange.body.slice(0, excerptLength)),
  };
}

export function malformedJsonFailure(exchange: HttpExchange, redactor: SecretRedactor, cause: unknown): AttemptFailure {
  // A truncated or garbled body is usually a proxy or connection glitch: worth another try.
  return {
    kind: 'malformed-json',
    retryable: true,
    reason: `HTTP ${exchange.statusCode} with a body that is not valid JSON`,
    statusCode: exchange.statusCode,
    bodyExcerpt: redactor.redactText(exchange.body.slice(0, excerptLength)),
    cause,
  };
}

/** Classifies what an attempt threw. */
export function classifyFailure(error: unknown, redactor: SecretRedactor): AttemptFailure {
  if (error instanceof AttemptFailureSignal) return error.failure;
  if (error instanceof RequestTimeoutError) return { kind: 'timeout', retryable: true, reason: `timed out: ${error.message}`, cause: error };
  if (error instanceof ResponseShapeError) {
    return { kind: 'unexpected-shape', retryable: false, reason: redactor.redactText(error.message), cause: error };
  }
  const codes = errorCodes(error);
  const message = redactor.redactText(error instanceof Error ? error.message : String(error));
  if (codes.some((code) => retryableNetworkCodes.has(code))) {
    return { kind: 'network', retryable: true, reason: `network error (${codes.join(', ')}): ${message}`, cause: error };
  }
  if (codes.length > 0) return { kind: 'network', retryable: false, reason: `network error (${codes.join(', ')}): ${message}`, cause: error };
  return { kind: 'unexpected', retryable: false, reason: message, cause: error };
}

function hintFor(failure: AttemptFailure): string {
  const status = failure.statusCode;
  if (status === 401 || status === 403) return 'Check the API key: set endpoint.apiKey, or endpoint.apiKeyEnv to the name of the variable holding it.';
  if (status === 404) return 'Check endpoint.baseUrl (OpenAI-compatible base URLs usually end in /v1) and the model name.';
  if (status === 429) return 'The endpoint kept rate-limiting: lower limits.requestsPerMinute, limits.tokensPerMinute or limits.maxConcurrent, or raise retry.maxRetries.';
  if (status !== undefined && status >= 500) return 'The endpoint kept failing: check that the server is healthy, or raise retry.maxRetries.';
  if (status !== undefined && status >= 400) return 'The endpoint refused the request: see responseBodyExcerpt for its reason.';
  if (failure.kind === 'timeout') return 'Raise timeoutMs if responses are legitimately slow (long generations), or check the server.';
  if (failure.kind === 'network') return 'Check that the endpoint is running and reachable at endpoint.baseUrl.';
  if (failure.kind === 'malformed-json' || failure.kind === 'unexpected-shape')
    return 'Check that endpoint.kind matches the server (openai or anthropic) and that baseUrl points at its API.';
  return 'This looks like a bug in @codemonkeys/llm: please report it with the cause.';
}

/** The final, typed error of a call: names the endpoint, the operation and what to do. Never contains a key. */
export function toModelCallError(options: { endpoint: string; operation: string; failure: AttemptFailure; attempts: number; note?: string }): ModelCallError {
  const { failure } = options;
  const attempts = `${options.attempts} attempt${options.attempts === 1 ? '' : 's'}`;
  return new ModelCallError({
    message: `[${options.endpoint}] ${options.operation} failed after ${attempts}: ${failure.reason.replace(/[.\s]+$/, '')}.${options.note ? ` ${options.note}` : ''} ${hintFor(failure)}`,
    endpoint: options.endpoint,
    ...(failure.statusCode !== undefined ? { statusCode: failure.statusCode } : {}),
    isRetryable: failure.retryable,
    ...(failure.bodyExcerpt !== undefined ? { responseBodyExcerpt: failure.bodyExcerpt } : {}),
    attempts: options.attempts,
    ...(failure.cause !== undefined ? { cause: failure.cause } : {}),
  });
}
