import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { EndpointConfig } from '../endpoint/endpoint-config';
import { deterministicEmbedding } from './deterministic-embedding';
import { echoHandler, type LoopbackHandler } from './loopback-handlers';
import type { LoopbackChatReply, LoopbackChoice, LoopbackReply, LoopbackUsage } from './loopback-replies';
import type { LoopbackMessage, LoopbackProtocol, LoopbackRecordedRequest, LoopbackRequest } from './loopback-request';

export interface LoopbackModelServerOptions {
  /** Answers chat requests (`/v1/chat/completions` and Anthropic `/v1/messages`). Default: `echoHandler`. */
  handler?: LoopbackHandler;
  /** Answers `/v1/embeddings`. Default: `deterministicEmbedding` of each input. */
  embeddingHandler?: LoopbackHandler;
  embeddingDimensions?: number;
  /** Latency added to every answer (ms), or a function of the request. */
  latencyMs?: number | ((request: LoopbackRecordedRequest) => number);
  /** When set, requests must carry it (`Authorization: Bearer`, or `x-api-key` for Anthropic) or get 401, which echoes the key sent. */
  apiKey?: string;
  /** Model named by `/v1/models` and by `endpoint()` (default `loopback-model`). */
  model?: string;
  /** Embedding model named by `/v1/models` (default `loopback-embedding`). */
  embeddingModel?: string;
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
}

/** An OpenAI-compatible (and Anthropic-Messages-compatible) HTTP server on 127.0.0.1, scripted by the test. */
export interface LoopbackModelServer {
  /** `http://127.0.0.1:<port>` (no `/v1`). */
  readonly url: string;
  readonly port: number;
  readonly model: string;
  readonly embeddingModel: string;
  readonly embeddingDimensions: number;
  /** Every request received since start (or the last `reset()`), in order of arrival. */
  readonly requests: readonly LoopbackRecordedRequest[];
  /** Requests received and not yet answered (stalled ones included). */
  readonly activeRequests: number;
  /** The most requests that were open at once: what a concurrency limit is tested against. */
  readonly maxActiveRequests: number;
  /** How many requests arrived, optionally of one protocol or matching a predicate. */
  requestCount(filter?: LoopbackProtocol | ((request: LoopbackRecordedRequest) => boolean)): number;
  /** Replies used, in order, for the next requests of any protocol (before the handlers). */
  enqueue(...replies: Array<LoopbackReply | string>): void;
  setHandler(handler: LoopbackHandler): void;
  setEmbeddingHandler(handler: LoopbackHandler): void;
  setLatency(latencyMs: number | ((request: LoopbackRecordedRequest) => number)): void;
  /** An OpenAI-compatible endpoint config for `createModelClient` (key included when the server has one). */
  endpoint(overrides?: Partial<EndpointConfig>): EndpointConfig;
  /** The same server as an Anthropic Messages endpoint. */
  anthropicEndpoint(overrides?: Partial<EndpointConfig>): EndpointConfig;
  /** Resolves once `count` requests have arrived in total; rejects after `timeoutMs`. */
  waitForRequests(count: number, timeoutMs?: number): Promise<void>;
  /** Forgets the recorded requests, the queued replies and the concurrency peak (handlers stay). */
  reset(): void;
  /** Closes the server and every connection (stalled responses end). */
  close(): Promise<void>;
}

const approximateTokens = (text: string): number => Math.ceil(text.length / 4);

/** Starts the loopback model server. Always `await server.close()` (e.g. in `afterAll`). */
export async function startLoopbackModelServer(options: LoopbackModelServerOptions = {}): Promise<LoopbackModelServer> {
  let handler = options.handler ?? echoHandler;
  let embeddingHandler: LoopbackHandler | undefined = options.embeddingHandler;
  let latency = options.latencyMs ?? 0;
  const model = options.model ?? 'loopback-model';
  const embeddingModel = options.embeddingModel ?? 'loopback-embedding';
  const embeddingDimensions = options.embeddingDimensions ?? 64;
  const queue: Array<LoopbackReply | string> = [];
  let requests: LoopbackRecordedRequest[] = [];
  let active = 0;
  let maxActive = 0;
  let closed = false;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const waiters = new Set<{ count: number; resolve: () => void }>();

  const sleep = (milliseconds: number): Promise<void> =>
    milliseconds <= 0
      ? Promise.resolve()
      : new Promise((resolve) => {
          const timer = setTimeout(() => {
            timers.delete(timer);
            resolve();
          }, milliseconds);
          timers.add(timer);
        });

  const nextReply = async (request: LoopbackRequest): Promise<LoopbackReply> => {
    const scripted = queue.shift();
    if (scripted !== undefined) return toReply(scripted);
    if (request.protocol === 'openai-embeddings') {
      if (embeddingHandler) return toReply(await embeddingHandler(request));
      return { type: 'embeddings' };
    }
    return toReply(await handler(request));
  };

  const server = createServer({ keepAliveTimeout: 30_000 }, (incoming, response) => {
    void handle(incoming, response).catch((error: unknown) => {
      // A handler threw: answer 500 with its message so the test sees why (not a hung request).
      if (!response.headersSent && !response.destroyed) {
        sendJson(response, 500, { error: { message: `loopback handler threw: ${error instanceof Error ? error.message : String(error)}`, type: 'loopback_handler_error' } });
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    // Latency counts from the arrival of the request, so that reading it and running the handler do not add to it.
    const arrivedAt = performance.now();
    const rawBody = await readBody(incoming);
    const record = describeRequest(incoming, rawBody, requests.length);
    requests.push(record);
    for (const waiter of waiters) if (requests.length >= waiter.count) waiter.resolve();
    active += 1;
    maxActive = Math.max(maxActive, active);
    let finished = false;
    const finish = (): void => {
      if (!finished) {
        finished = true;
        active -= 1;
      }
    };
    response.on('close', finish);

    const anthropic = record.protocol === 'anthropic-messages';
    if (options.apiKey !== undefined) {
      const sent = anthropic ? record.headers['x-api-key'] : record.headers.authorization?.replace(/^Bearer\s+/i, '');
      if (sent !== options.apiKey) {
        // Real providers quote (part of) the key they refused; quoting it whole tests the client's redaction.
        return sendError(response, record.protocol, { type: 'error', status: 401, message: `Incorrect API key provided: ${sent ?? '(none)'}.` });
      }
    }
    if (record.protocol === 'models') {
      return sendJson(response, 200, {
        object: 'list',
        data: [model, embeddingModel].map((id) => ({ id, object: 'model', created: 0, owned_by: 'loopback' })),
      });
    }
    if (record.protocol === 'unknown') {
      return sendError(response, record.protocol, { type: 'error', status: 404, message: `The loopback server has no route ${record.method} ${record.path}.` });
    }

    const request: LoopbackRequest = { ...record, choiceIndex: 0 };
    const first = await nextReply(request);
    const baseLatency = typeof latency === 'function' ? latency(record) : latency;
    await sleep(baseLatency + (first.latencyMs ?? 0) - (performance.now() - arrivedAt));
    if (closed) return;

    switch (first.type) {
      case 'chat': {
        const choices = [...first.choices];
        while (choices.length < record.n) {
          const more = await nextReply({ ...record, choiceIndex: choices.length });
          if (more.type !== 'chat') return send(response, record, more);
          choices.push(...more.choices);
        }
        return sendChat(response, record, { ...first, choices: choices.slice(0, Math.max(record.n, 1)) });
      }
      default:
        return send(response, record, first);
    }
  }

  function send(response: ServerResponse, record: LoopbackRecordedRequest, reply: LoopbackReply): void {
    switch (reply.type) {
      case 'chat':
        return sendChat(response, record, reply);
      case 'embeddings': {
        if (record.protocol !== 'openai-embeddings') {
          return sendError(response, record.protocol, { type: 'error', status: 500, message: 'The loopback handler returned an embeddings reply to a chat request.' });
        }
        const embeddings = reply.embeddings ?? record.input.map((text) => deterministicEmbedding(text, embeddingDimensions));
        const promptTokens = reply.usage?.promptTokens ?? record.input.reduce((sum, text) => sum + approximateTokens(text), 0);
        return sendJson(response, 200, {
          object: 'list',
          data: embeddings.map((embedding, index) => ({ object: 'embedding', index, embedding })),
          model: record.model ?? embeddingModel,
          usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
        });
      }
      case 'error':
        return sendError(response, record.protocol, reply);
      case 'connection-reset':
        response.socket?.resetAndDestroy();
        return;
      case 'malformed-json':
        response.writeHead(reply.status ?? 200, { 'content-type': 'application/json' });
        response.end('{"id": "loopback-malformed", "choices": [{"index": 0, "message": {"role": "assist');
        return;
      case 'stall':
        if (reply.phase === 'body') {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.write('{"id": "loopback-stalled", "choices": [');
        }
        return; // never ends: the client's timeout must fire; close() ends it
      case 'raw':
        response.writeHead(reply.status, reply.headers ?? {});
        response.end(reply.body);
        return;
    }
  }

  function sendChat(response: ServerResponse, record: LoopbackRecordedRequest, reply: LoopbackChatReply): void {
    const usage = resolveUsage(record, reply.choices, reply.usage);
    const responseModel = reply.model ?? record.model ?? model;
    if (record.protocol === 'anthropic-messages') {
      const choice = reply.choices[0] ?? { content: '' };
      const content: unknown[] = [];
      if (choice.content !== '') content.push({ type: 'text', text: choice.content });
      for (const [position, call] of (choice.toolCalls ?? []).entries()) {
        content.push({
          type: 'tool_use',
          id: call.id ?? `toolu_loopback_${record.index}_${position}`,
          name: call.name,
          input: typeof call.arguments === 'string' ? safeParse(call.arguments) : call.arguments,
        });
      }
      return sendJson(
        response,
        200,
        {
          id: `msg_loopback_${record.index}`,
          type: 'message',
          role: 'assistant',
          model: responseModel,
          content,
          stop_reason: toAnthropicStopReason(choice.finishReason ?? (choice.toolCalls?.length ? 'tool_calls' : 'stop')),
          stop_sequence: null,
          usage: {
            input_tokens: Math.max(0, usage.promptTokens - usage.cachedTokens - usage.cacheWriteTokens),
            output_tokens: usage.completionTokens,
            cache_read_input_tokens: usage.cachedTokens,
            cache_creation_input_tokens: usage.cacheWriteTokens,
          },
        },
        reply.headers,
      );
    }
    return sendJson(
      response,
      200,
      {
        id: `chatcmpl-loopback-${record.index}`,
        object: 'chat.completion',
        created: Math.floor(record.receivedAt / 1000),
        model: responseModel,
        choices: reply.choices.map((choice, index) => ({
          index,
          message: {
            role: 'assistant',
            content: choice.toolCalls?.length && choice.content === '' ? null : choice.content,
            ...(choice.toolCalls?.length
              ? {
                  tool_calls: choice.toolCalls.map((call, position) => ({
                    id: call.id ?? `call_loopback_${record.index}_${index}_${position}`,
                    type: 'function',
                    function: { name: call.name, arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments) },
                  })),
                }
              : {}),
          },
          finish_reason: choice.finishReason ?? (choice.toolCalls?.length ? 'tool_calls' : 'stop'),
        })),
        usage: {
          prompt_tokens: usage.promptTokens,
          completion_tokens: usage.completionTokens,
          total_tokens: usage.promptTokens + usage.completionTokens,
          prompt_tokens_details: { cached_tokens: usage.cachedTokens },
        },
      },
      reply.headers,
    );
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    port,
    model,
    embeddingModel,
    embeddingDimensions,
    get requests() {
      return requests;
    },
    get activeRequests() {
      return active;
    },
    get maxActiveRequests() {
      return maxActive;
    },
    requestCount(filter) {
      if (filter === undefined) return requests.length;
      const matches = typeof filter === 'function' ? filter : (request: LoopbackRecordedRequest) => request.protocol === filter;
      return requests.filter(matches).length;
    },
    enqueue(...replies) {
      queue.push(...replies);
    },
    setHandler(next) {
      handler = next;
    },
    setEmbeddingHandler(next) {
      embeddingHandler = next;
    },
    setLatency(next) {
      latency = next;
    },
    endpoint(overrides = {}) {
      return {
        kind: 'openai',
        baseUrl: `${url}/v1`,
        defaultModel: model,
        defaultEmbeddingModel: embeddingModel,
        ...(options.apiKey ? { apiKey: options.apiKey } : {}),
        ...overrides,
      };
    },
    anthropicEndpoint(overrides = {}) {
      return { kind: 'anthropic', baseUrl: url, defaultModel: model, ...(options.apiKey ? { apiKey: options.apiKey } : {}), ...overrides };
    },
    waitForRequests(count, timeoutMs = 5000) {
      if (requests.length >= count) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const waiter = {
          count,
          resolve: () => {
            clearTimeout(timer);
            waiters.delete(waiter);
            resolve();
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`The loopback server got ${requests.length} of ${count} expected requests within ${timeoutMs} ms.`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    reset() {
      requests = [];
      queue.length = 0;
      maxActive = active;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await done;
    },
  };
}

function readBody(incoming: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    incoming.on('error', reject);
  });
}

function toReply(reply: LoopbackReply | string): LoopbackReply {
  return typeof reply === 'string' ? { type: 'chat', choices: [{ content: reply, finishReason: 'stop' }] } : reply;
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (response.destroyed) return;
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

function sendError(response: ServerResponse, protocol: LoopbackProtocol, reply: Extract<LoopbackReply, { type: 'error' }>): void {
  if (response.destroyed) return;
  const message = reply.message ?? `loopback error ${reply.status}`;
  if (typeof reply.body === 'string') {
    response.writeHead(reply.status, { 'content-type': 'text/plain', ...(reply.headers ?? {}) });
    response.end(reply.body);
    return;
  }
  const body =
    reply.body ??
    (protocol === 'anthropic-messages'
      ? { type: 'error', error: { type: anthropicErrorType(reply.status), message } }
      : { error: { message, type: reply.status === 429 ? 'rate_limit_exceeded' : 'loopback_error', code: reply.status } });
  sendJson(response, reply.status, body, reply.headers);
}

function anthropicErrorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 429) return 'rate_limit_error';
  if (status === 529) return 'overloaded_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

function toAnthropicStopReason(finishReason: string): string {
  if (finishReason === 'stop') return 'end_turn';
  if (finishReason === 'length') return 'max_tokens';
  if (finishReason === 'tool_calls') return 'tool_use';
  return finishReason;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { _unparsed: text };
  }
}

function resolveUsage(record: LoopbackRecordedRequest, choices: readonly LoopbackChoice[], usage: LoopbackUsage | undefined): Required<LoopbackUsage> {
  const computedPrompt = record.messages.reduce((sum, message) => sum + approximateTokens(message.content) + 3, 0);
  const computedCompletion = choices.reduce(
    (sum, choice) =>
      sum +
      approximateTokens(choice.content) +
      (choice.toolCalls ?? []).reduce((calls, call) => calls + approximateTokens(typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments)), 0),
    0,
  );
  return {
    promptTokens: usage?.promptTokens ?? computedPrompt,
    completionTokens: usage?.completionTokens ?? computedCompletion,
    cachedTokens: usage?.cachedTokens ?? 0,
    cacheWriteTokens: usage?.cacheWriteTokens ?? 0,
  };
}

function describeRequest(incoming: IncomingMessage, rawBody: string, index: number): LoopbackRecordedRequest {
  const path = (incoming.url ?? '/').split('?')[0]!.replace(/\/+$/, '') || '/';
  const method = incoming.method ?? 'GET';
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  let body: unknown;
  try {
    body = rawBody === '' ? undefined : (JSON.parse(rawBody) as unknown);
  } catch {
    body = undefined;
  }
  const protocol: LoopbackProtocol =
    method === 'POST' && path === '/v1/chat/completions'
      ? 'openai-chat'
      : method === 'POST' && path === '/v1/embeddings'
        ? 'openai-embeddings'
        : method === 'POST' && path === '/v1/messages'
          ? 'anthropic-messages'
          : method === 'GET' && path === '/v1/models'
            ? 'models'
            : 'unknown';
  const object = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const messages: LoopbackMessage[] = [];
  if (protocol === 'anthropic-messages' && object.system !== undefined) messages.push({ role: 'system', content: flattenContent(object.system) });
  if (Array.isArray(object.messages)) {
    for (const message of object.messages as Array<Record<string, unknown>>) {
      messages.push({ role: String(message.role), content: flattenContent(message.content) + flattenToolCalls(message.tool_calls) });
    }
  }
  const lastUser = [...messages].reverse().find((message) => message.role === 'user');
  const input = protocol === 'openai-embeddings' ? (Array.isArray(object.input) ? object.input.map(String) : typeof object.input === 'string' ? [object.input] : []) : [];
  return {
    index,
    method,
    path,
    protocol,
    headers,
    body,
    rawBody,
    receivedAt: Date.now(),
    model: typeof object.model === 'string' ? object.model : undefined,
    messages,
    lastUserMessage: lastUser?.content,
    input,
    n: typeof object.n === 'number' && object.n > 0 ? object.n : 1,
  };
}

function flattenContent(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return content === undefined || content === null ? '' : JSON.stringify(content);
  return content
    .map((part: Record<string, unknown>) => {
      if (part.type === 'text') return String(part.text ?? '');
      if (part.type === 'tool_use') return `[tool_use ${String(part.name)} ${JSON.stringify(part.input)}]`;
      if (part.type === 'tool_result') return flattenContent(part.content);
      return JSON.stringify(part);
    })
    .join('');
}

function flattenToolCalls(toolCalls: unknown): string {
  if (!Array.isArray(toolCalls) || toolCalls.length === 0) return '';
  return toolCalls.map((call: { function?: { name?: string; arguments?: string } }) => `[tool_call ${call.function?.name} ${call.function?.arguments}]`).join('');
}
