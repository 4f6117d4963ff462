import type { ResolvedEndpointConfig } from '../endpoint/endpoint-config';
import { createAnthropicMessagesTransport } from './anthropic-messages-transport';
import type { ModelTransport, TransportOptions } from './model-transport';
import { createOpenAiCompatibleTransport } from './openai-compatible-transport';

/** The one place that looks at `endpoint.kind`: it picks the wire protocol, and nothing else does. */
const transports: Record<ResolvedEndpointConfig['kind'], (options: TransportOptions) => ModelTransport> = {
  openai: createOpenAiCompatibleTransport,
  anthropic: createAnthropicMessagesTransport,
};

export function selectTransport(options: TransportOptions): ModelTransport {
  return transports[options.endpoint.kind](options);
}
