import type { CallLabels, ChatChoice, NormalizedChatRequest, Usage } from '@codemonkeys/protocol';
import type { CallOrigin } from '../cache/cached-values';

/**
 * What one `chat` call is once the client has validated it. Its identity (cache key and record id) is
 * hashed on first use only, so a client without cache and recorder never hashes.
 */
export interface ChatCall {
  readonly request: NormalizedChatRequest;
  readonly model: string;
  readonly labels: CallLabels;
  readonly sample: number;
  readonly signal: AbortSignal | undefined;
  /** False when the caller asked to bypass the response cache. */
  readonly useCache: boolean;
  /** `performance.now()` when the call began. */
  readonly started: number;
  readonly identity: CallIdentity;
}

/** One `embed` call. A middleware may pass on a call with fewer `input` texts (the cache does). */
export interface EmbeddingCall {
  readonly input: readonly string[];
  readonly model: string;
  readonly labels: CallLabels;
  readonly sample: number;
  readonly signal: AbortSignal | undefined;
  readonly useCache: boolean;
  readonly started: number;
  readonly identity: CallIdentity;
}

export interface CallIdentity {
  /** Response-cache key of the whole call. */
  readonly cacheKey: string;
  /** Model call record id: the labels plus the cache key, so a resumed run overwrites its records. */
  readonly recordId: string;
  /** Embedding calls only: the cache key of each input text. */
  readonly inputKeys: readonly string[];
}

interface CallOutcome {
  usage: Usage;
  /** What the endpoint billed for this call (0 for cache hits). */
  costUsd: number;
  retries: number;
  latencyMs: number;
  createdAt: string;
  cacheHit: boolean;
  /** Cache hits only: the call that produced the cached answer, so its record can be rewritten as it was. */
  origin?: CallOrigin;
}

export interface ChatResult extends CallOutcome {
  id: string | undefined;
  model: string;
  choices: ChatChoice[];
}

export interface EmbeddingResult extends CallOutcome {
  model: string;
  embeddings: number[][];
  /** Fresh results only: the prompt tokens of each input (a batch's total shared out by length when the endpoint gave only a total). */
  inputTokens?: number[];
}

/**
 * One request to the endpoint, built by a transport: what the request middleware (retries, limits,
 * pricing, budget, totals) wrap. `send` makes one attempt: the HTTP exchange and the parse of its answer.
 */
export interface EndpointRequest<T> {
  /** For messages: `chat (model "x")`. */
  readonly operation: string;
  readonly model: string;
  readonly signal: AbortSignal | undefined;
  /** Tokens to reserve against tokens-per-minute while the request runs (asked only when that limit is set). */
  estimateTokens(): number;
  send(): Promise<{ value: T; usage: Usage }>;
}

export interface EndpointAnswer<T> {
  value: T;
  usage: Usage;
  costUsd: number;
  /** Failed attempts before this answer. */
  retries: number;
}

export type NextChat = (call: ChatCall) => Promise<ChatResult>;
export type NextEmbed = (call: EmbeddingCall) => Promise<EmbeddingResult>;
/** Attempt number `attempt` (0 for the first) of `request`. */
export type NextRequest = <T>(request: EndpointRequest<T>, attempt: number) => Promise<EndpointAnswer<T>>;

/**
 * A layer of the model client, in the spirit of the Vercel AI SDK's language-model middleware, at two
 * levels: a *call* (`wrapChat`, `wrapEmbed`: what a plugin asked for, answered from the cache or by the
 * transport) and a *request* (`wrapRequest`: each HTTP request the transport makes for a call, several
 * for Anthropic samples, embedding batches or retries). A hook calls `next` to go on, or answers itself.
 */
export interface ModelMiddleware {
  wrapChat?(call: ChatCall, next: NextChat): Promise<ChatResult>;
  wrapEmbed?(call: EmbeddingCall, next: NextEmbed): Promise<EmbeddingResult>;
  wrapRequest?<T>(request: EndpointRequest<T>, attempt: number, next: NextRequest): Promise<EndpointAnswer<T>>;
  /** Writes what the layer buffers (call records). */
  flush?(): Promise<void>;
  close?(): Promise<void>;
}

/** `middleware[0]` is the outermost layer. Layers without the hook are left out of the chain. */
export function composeChat(middleware: readonly ModelMiddleware[], terminal: NextChat): NextChat {
  return middleware.reduceRight<NextChat>((next, layer) => (layer.wrapChat ? (call) => layer.wrapChat!(call, next) : next), terminal);
}

export function composeEmbed(middleware: readonly ModelMiddleware[], terminal: NextEmbed): NextEmbed {
  return middleware.reduceRight<NextEmbed>((next, layer) => (layer.wrapEmbed ? (call) => layer.wrapEmbed!(call, next) : next), terminal);
}

export function composeRequest(middleware: readonly ModelMiddleware[], terminal: NextRequest): NextRequest {
  return middleware.reduceRight<NextRequest>((next, layer) => (layer.wrapRequest ? (request, attempt) => layer.wrapRequest!(request, attempt, next) : next), terminal);
}
