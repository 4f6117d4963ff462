import type { CallLabels } from '../../call-labels/call-labels';
import type { ChatRequest, ChatResponse, EmbeddingRequest, EmbeddingResponse } from './model-call';

export interface ModelCallOptions {
  signal?: AbortSignal;
  /** Labels merged over the ones of the current scope (see `withCallLabels`). */
  labels?: CallLabels;
  /**
   * Sample index, part of the response-cache key: two calls with the same request and sample index get
   * the same cached answer; different indices are independent samples. Defaults to the `sample` label.
   */
  sample?: number;
  /** Set false to bypass the response cache for this call. */
  cache?: boolean;
}

/**
 * The one way plugins talk to models. Implemented by @codemonkeys/llm; every call is logged to sequence
 * storage with the labels of its scope and served from the response cache when repeated.
 */
export interface ModelClient {
  readonly specificationVersion: 'v1';
  /** A stable name of the endpoint (for logs and records), never containing a key. */
  readonly endpoint: string;
  readonly defaultModel: string | undefined;
  chat(request: ChatRequest, options?: ModelCallOptions): Promise<ChatResponse>;
  embed(request: EmbeddingRequest, options?: ModelCallOptions): Promise<EmbeddingResponse>;
  /** Tokens of `text` for `model` (or the default model), for budgets and context limits. */
  countTokens(text: string, model?: string): number;
}
