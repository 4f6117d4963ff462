import { z } from 'zod';

/**
 * Where a model lives and how to reach it. `kind` picks the wire protocol: `openai` for every
 * OpenAI-compatible server (vLLM, SGLang, Ollama, OpenAI, Together, ...), `anthropic` for Anthropic's
 * Messages API.
 */
export const EndpointConfigSchema = z.object({
  kind: z.enum(['openai', 'anthropic']),
  /**
   * Base URL as the provider's own SDK takes it: with `/v1` for OpenAI-compatible servers
   * (`http://127.0.0.1:8000/v1`), without it for Anthropic (`https://<anthropic host>`; a trailing `/v1` is accepted).
   */
  baseUrl: z
    .url({ protocol: /^https?$/, error: 'baseUrl must be an http(s) URL such as http://127.0.0.1:8000/v1' })
    // Credentials in the URL would travel into names, records and logs.
    .refine((value) => !/^[a-z]+:\/\/[^/]*@/i.test(value), 'baseUrl must not contain credentials: pass the key as apiKey or apiKeyEnv'),
  /**
   * A stable name for logs, records, the response cache key and the process-wide limits. Defaults to
   * `<kind>:<origin><path>` of baseUrl (credentials and query removed). Set it when the same model moves
   * between ports or hosts and its cached responses should still be used.
   */
  name: z.string().min(1).optional(),
  /** The key itself. Prefer `apiKeyEnv`, which keeps it out of config files. */
  apiKey: z.string().min(1).optional(),
  /** Name of the environment variable holding the key (read when the client is created). */
  apiKeyEnv: z.string().min(1).optional(),
  /** Model used when a chat request names none. */
  defaultModel: z.string().min(1).optional(),
  /** Model used when an embedding request names none (falls back to `defaultModel`). */
  defaultEmbeddingModel: z.string().min(1).optional(),
  /** Extra headers sent with every request (their values are redacted from records and errors too). */
  headers: z.record(z.string(), z.string()).optional(),
  /** OpenAI-compatible only: the body field for `maxTokens`. OpenAI's reasoning models want `max_completion_tokens`. */
  maxTokensField: z.enum(['max_tokens', 'max_completion_tokens']).default('max_tokens'),
  /** Anthropic only: the `anthropic-version` header. */
  anthropicVersion: z.string().min(1).default('2023-06-01'),
  /** Anthropic only: `max_tokens` is required there; used when a request sets no `maxTokens`. */
  defaultMaxTokens: z.number().int().positive().default(4096),
});
export type EndpointConfig = z.input<typeof EndpointConfigSchema>;
export type ResolvedEndpointConfig = z.output<typeof EndpointConfigSchema>;

/** `<kind>:<origin><path>` without credentials, query or trailing slash: safe to log and to key caches by. */
export function defaultEndpointName(config: Pick<EndpointConfig, 'kind' | 'baseUrl'>): string {
  const url = new URL(config.baseUrl);
  const path = url.pathname.replace(/\/+$/, '');
  return `${config.kind}:${url.protocol}//${url.host}${path}`;
}
