/**
 * What the loopback server answers. A handler returns one of these (or a plain string, a text reply);
 * the constructors below build them. Every reply may add latency on top of the server's.
 */

/** Token counts reported in the response; any left out are computed from the text (about four characters a token). */
export interface LoopbackUsage {
  promptTokens?: number;
  completionTokens?: number;
  /** Prompt tokens read from the provider's prompt cache (OpenAI `cached_tokens`, Anthropic `cache_read_input_tokens`). */
  cachedTokens?: number;
  /** Prompt tokens written to the prompt cache (Anthropic `cache_creation_input_tokens`). */
  cacheWriteTokens?: number;
}

export interface LoopbackToolCall {
  id?: string;
  name: string;
  /** An object (serialized for you) or the JSON text the model "wrote" (may be invalid on purpose). */
  arguments: Record<string, unknown> | string;
}

export interface LoopbackChoice {
  content: string;
  toolCalls?: LoopbackToolCall[];
  /** OpenAI vocabulary (`stop`, `length`, `tool_calls`); mapped to Anthropic's on `/v1/messages`. */
  finishReason?: string;
}

interface ReplyBase {
  /** Added to the server's latency before anything is sent. */
  latencyMs?: number;
}

export interface LoopbackChatReply extends ReplyBase {
  type: 'chat';
  /** One per sample; when the request asks for more (`n`), the handler is called again for the rest. */
  choices: LoopbackChoice[];
  usage?: LoopbackUsage;
  /** The model named in the response (default: the requested one). */
  model?: string;
  headers?: Record<string, string>;
}

export interface LoopbackEmbeddingsReply extends ReplyBase {
  type: 'embeddings';
  /** One vector per input; by default `deterministicEmbedding(input, server.embeddingDimensions)`. */
  embeddings?: number[][];
  usage?: Pick<LoopbackUsage, 'promptTokens'>;
}

export interface LoopbackErrorReply extends ReplyBase {
  type: 'error';
  status: number;
  /** JSON body; default: the protocol's error shape with `message`. A string is sent as is. */
  body?: unknown;
  message?: string;
  headers?: Record<string, string>;
}

export interface LoopbackConnectionResetReply extends ReplyBase {
  type: 'connection-reset';
}

export interface LoopbackMalformedJsonReply extends ReplyBase {
  type: 'malformed-json';
  status?: number;
}

export interface LoopbackStallReply extends ReplyBase {
  type: 'stall';
  /** `headers`: never answers; `body`: sends 200 and the start of the body, then nothing. Ended by `server.close()`. */
  phase: 'headers' | 'body';
}

export interface LoopbackRawReply extends ReplyBase {
  type: 'raw';
  status: number;
  headers?: Record<string, string>;
  body: string;
}

export type LoopbackReply =
  LoopbackChatReply | LoopbackEmbeddingsReply | LoopbackErrorReply | LoopbackConnectionResetReply | LoopbackMalformedJsonReply | LoopbackStallReply | LoopbackRawReply;

/** A text answer (one choice). */
export function textReply(content: string, options: { finishReason?: string; usage?: LoopbackUsage; latencyMs?: number; model?: string } = {}): LoopbackChatReply {
  return {
    type: 'chat',
    choices: [{ content, finishReason: options.finishReason ?? 'stop' }],
    ...(options.usage ? { usage: options.usage } : {}),
    ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}),
    ...(options.model ? { model: options.model } : {}),
  };
}

/** Several samples at once (for requests with `n`). */
export function samplesReply(contents: readonly string[], options: { usage?: LoopbackUsage; latencyMs?: number } = {}): LoopbackChatReply {
  return {
    type: 'chat',
    choices: contents.map((content) => ({ content, finishReason: 'stop' })),
    ...(options.usage ? { usage: options.usage } : {}),
    ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}),
  };
}

/** The model calls tools (finish reason `tool_calls`). */
export function toolCallReply(
  toolCalls: LoopbackToolCall | readonly LoopbackToolCall[],
  options: { content?: string; usage?: LoopbackUsage; latencyMs?: number } = {},
): LoopbackChatReply {
  const calls = Array.isArray(toolCalls) ? [...toolCalls] : [toolCalls as LoopbackToolCall];
  return {
    type: 'chat',
    choices: [{ content: options.content ?? '', toolCalls: calls, finishReason: 'tool_calls' }],
    ...(options.usage ? { usage: options.usage } : {}),
    ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}),
  };
}

/** An HTTP error in the protocol's error shape. */
export function errorReply(status: number, options: { message?: string; body?: unknown; headers?: Record<string, string>; latencyMs?: number } = {}): LoopbackErrorReply {
  return { type: 'error', status, ...options };
}

/** 429 with `Retry-After` (seconds, may be fractional: sent as `retry-after-ms` too, as OpenAI does). */
export function rateLimitedReply(options: { retryAfterSeconds?: number; latencyMs?: number } = {}): LoopbackErrorReply {
  const headers: Record<string, string> = {};
  if (options.retryAfterSeconds !== undefined) {
    headers['retry-after'] = String(Math.ceil(options.retryAfterSeconds));
    headers['retry-after-ms'] = String(Math.round(options.retryAfterSeconds * 1000));
  }
  return {
    type: 'error',
    status: 429,
    message: 'Rate limit reached for requests (loopback). Please try again later.',
    headers,
    ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}),
  };
}

/** 500 Internal Server Error. */
export function serverErrorReply(options: { status?: number; message?: string; latencyMs?: number } = {}): LoopbackErrorReply {
  return {
    type: 'error',
    status: options.status ?? 500,
    message: options.message ?? 'The server had an error while processing your request (loopback).',
    ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}),
  };
}

/** The server resets the TCP connection after reading the request (the client sees ECONNRESET). */
export function connectionResetReply(options: { latencyMs?: number } = {}): LoopbackConnectionResetReply {
  return { type: 'connection-reset', ...options };
}

/** A 200 (by default) whose body is not JSON. */
export function malformedJsonReply(options: { status?: number; latencyMs?: number } = {}): LoopbackMalformedJsonReply {
  return { type: 'malformed-json', ...options };
}

/** A response that never completes: before the headers, or after the start of the body. */
export function stallingReply(options: { phase?: 'headers' | 'body'; latencyMs?: number } = {}): LoopbackStallReply {
  return { type: 'stall', phase: options.phase ?? 'body', ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}) };
}

/** Exactly these bytes, status and headers. */
export function rawReply(status: number, body: string, headers: Record<string, string> = {}): LoopbackRawReply {
  return { type: 'raw', status, body, headers };
}
