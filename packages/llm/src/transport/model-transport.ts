import { addUsage, emptyUsage, type Logger, type NormalizedChatRequest, type SecretRedactor, type Usage } from '@codemonkeys/protocol';
import type { Dispatcher } from 'undici';
import type { ResolvedEndpointConfig } from '../endpoint/endpoint-config';
import type { ChatCall, ChatResult, EmbeddingCall, EmbeddingResult, EndpointAnswer, EndpointRequest } from '../middleware/model-middleware';
import type { ParsedChat } from '../protocol/parsed-chat';

/** Sends one request through the request middleware (retries, limits, pricing, budget, totals). */
export type SendRequest = <T>(request: EndpointRequest<T>) => Promise<EndpointAnswer<T>>;

/**
 * One wire protocol: turns a call into the endpoint requests it takes and their answers into a result.
 * Everything that differs between providers (paths, headers, bodies, how samples are asked for, which
 * capabilities exist) lives in a transport; the middleware around it never asks which one it is.
 */
export interface ModelTransport {
  /** The wire protocol's name, for messages (`Anthropic`, `OpenAI-compatible`). */
  readonly protocol: string;
  chat(call: ChatCall, send: SendRequest): Promise<ChatResult>;
  /** Absent when the protocol has no embeddings: the client refuses the call with UnsupportedCapabilityError. */
  readonly embed?: (call: EmbeddingCall, send: SendRequest) => Promise<EmbeddingResult>;
}

export interface TransportOptions {
  endpoint: ResolvedEndpointConfig;
  /** The endpoint's name, for messages. */
  name: string;
  apiKey: string | undefined;
  dispatcher: Dispatcher;
  timeoutMs: number;
  redactor: SecretRedactor;
  logger: Logger;
  embeddingBatchSize: number;
  /** The tokenizer of a model, for endpoints that report no usage. */
  countTokens(text: string, model: string): number;
}

/** The path prefix and query of a base URL: `http://h/v1?api-version=1` → `/v1`, `?api-version=1` (Azure's query is kept). */
export function basePathOf(baseUrl: string): { origin: string; path: string; query: string } {
  const url = new URL(baseUrl);
  return { origin: url.origin, path: url.pathname.replace(/\/+$/, ''), query: url.search };
}

/** Reserved against tokens-per-minute: a cheap estimate (3.5 characters a token), corrected by the real usage. */
export function estimatedChatTokens(request: NormalizedChatRequest, samples: number): number {
  let characters = 0;
  for (const message of request.messages) characters += message.content.length;
  return Math.ceil(characters / 3.5) + (request.maxTokens ?? 1024) * samples;
}

/** For endpoints that report no usage: count with the model's tokenizer (4 tokens of framing a message). */
export function countedChatUsage(request: NormalizedChatRequest, parsed: ParsedChat, model: string, countTokens: (text: string, model: string) => number): Usage {
  const inputTokens = request.messages.reduce((sum, message) => sum + countTokens(message.content, model) + 4, 0);
  const outputTokens = parsed.choices.reduce(
    (sum, choice) =>
      sum + countTokens(choice.message.content, model) + (choice.message.toolCalls ?? []).reduce((calls, call) => calls + countTokens(call.function.arguments, model), 0),
    0,
  );
  return { ...emptyUsage(), inputTokens, outputTokens };
}

/** One chat result from the answers of the requests a call took (samples asked for apart are numbered in order). */
export function chatResultOf(call: ChatCall, answers: ReadonlyArray<EndpointAnswer<ParsedChat>>): ChatResult {
  const first = answers[0]!;
  let usage = emptyUsage();
  let costUsd = 0;
  let retries = 0;
  // Choices are numbered 0, 1, ... in the order of the requests, whatever index each endpoint answer gave.
  const choices = answers.flatMap((answer) => {
    usage = addUsage(usage, answer.usage);
    costUsd += answer.costUsd;
    retries += answer.retries;
    return answer.value.choices;
  });
  choices.forEach((choice, index) => {
    choice.index = index;
  });
  return {
    id: first.value.id,
    model: first.value.model ?? call.model,
    choices,
    usage,
    costUsd,
    retries,
    latencyMs: performance.now() - call.started,
    createdAt: new Date().toISOString(),
    cacheHit: false,
  };
}
