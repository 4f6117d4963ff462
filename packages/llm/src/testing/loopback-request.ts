/** Which API a request to the loopback server spoke. */
export type LoopbackProtocol = 'openai-chat' | 'openai-embeddings' | 'anthropic-messages' | 'models' | 'unknown';

/** A message of a chat request, flattened to text (tool calls and content blocks summarized as text). */
export interface LoopbackMessage {
  role: string;
  content: string;
}

/** One request as the loopback server received it (kept in `server.requests`). */
export interface LoopbackRecordedRequest {
  /** Order of arrival, from 0. */
  index: number;
  method: string;
  /** Path without the query, e.g. `/v1/chat/completions`. */
  path: string;
  protocol: LoopbackProtocol;
  /** Lower-cased header names, as received (including `authorization`: the server is the one place that may see it). */
  headers: Record<string, string>;
  /** The parsed JSON body, or undefined when the body was empty or not JSON. */
  body: unknown;
  rawBody: string;
  /** `Date.now()` when the body had been read. */
  receivedAt: number;
  model: string | undefined;
  /** Chat messages (Anthropic's `system` comes first as a system message); empty for other requests. */
  messages: LoopbackMessage[];
  /** Text of the last user message, if any. */
  lastUserMessage: string | undefined;
  /** Embedding inputs (a single string becomes a one-element list); empty for other requests. */
  input: string[];
  /** Samples requested (OpenAI `n`), 1 by default. */
  n: number;
}

/** What a handler sees: the request plus which sample it is producing. */
export interface LoopbackRequest extends LoopbackRecordedRequest {
  /** 0 for the first choice; when a reply has fewer choices than `n`, the handler is called again with the next index. */
  choiceIndex: number;
}
