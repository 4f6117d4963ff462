import type { ChatCall, EndpointRequest } from '../middleware/model-middleware';
import { anthropicMessagesBody, parseAnthropicMessagesResponse } from '../protocol/anthropic-messages-protocol';
import type { ParsedChat } from '../protocol/parsed-chat';
import { createJsonEndpoint } from './json-endpoint';
import { basePathOf, chatResultOf, countedChatUsage, estimatedChatTokens, type ModelTransport, type TransportOptions } from './model-transport';

/**
 * Anthropic's Messages API: `POST /v1/messages` (a base URL given with or without `/v1`), the key as
 * `x-api-key` and the `anthropic-version` header. It has no `n`: samples are separate requests, made in
 * parallel under the same limits. It has no embeddings either (the capability is absent).
 */
export function createAnthropicMessagesTransport(options: TransportOptions): ModelTransport {
  const { endpoint, apiKey, countTokens } = options;
  const base = basePathOf(endpoint.baseUrl);
  const messagesPath = `${base.path.endsWith('/v1') ? base.path : `${base.path}/v1`}/messages${base.query}`;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    ...(endpoint.headers ?? {}),
    'anthropic-version': endpoint.anthropicVersion,
  };
  if (apiKey) headers['x-api-key'] = apiKey;
  const http = createJsonEndpoint({ origin: base.origin, headers, dispatcher: options.dispatcher, timeoutMs: options.timeoutMs, redactor: options.redactor });

  // The body is written when the first of a call's requests gets a slot, and shared by its samples.
  const messagesRequest = (call: ChatCall, body: () => string): EndpointRequest<ParsedChat> => ({
    operation: `chat (model "${call.model}")`,
    model: call.model,
    signal: call.signal,
    estimateTokens: () => estimatedChatTokens(call.request, 1),
    async send() {
      const parsed = parseAnthropicMessagesResponse(await http.post(messagesPath, body(), call.signal));
      return { value: parsed, usage: parsed.usage ?? countedChatUsage(call.request, parsed, call.model, countTokens) };
    },
  });

  return {
    protocol: 'Anthropic',
    async chat(call, send) {
      let body: string | undefined;
      const bodyOnce = (): string => (body ??= JSON.stringify(anthropicMessagesBody(call.request, call.model, endpoint)));
      const answers = await Promise.all(Array.from({ length: call.request.n ?? 1 }, () => send(messagesRequest(call, bodyOnce))));
      return chatResultOf(call, answers);
    },
  };
}
