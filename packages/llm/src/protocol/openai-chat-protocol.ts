import type { ChatChoice, NormalizedChatRequest, Usage } from '@codemonkeys/protocol';
import { z } from 'zod';
import type { ResolvedEndpointConfig } from '../endpoint/endpoint-config';
import { parseWire, type ParsedChat } from './parsed-chat';

/** The body of `POST {baseUrl}/chat/completions`. */
export function openAiChatBody(request: NormalizedChatRequest, model: string, endpoint: ResolvedEndpointConfig): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model,
    messages: request.messages.map((message) => {
      const wire: Record<string, unknown> = { role: message.role, content: message.content };
      if (message.name !== undefined) wire.name = message.name;
      if (message.toolCalls?.length) wire.tool_calls = message.toolCalls.map((call) => ({ id: call.id, type: 'function', function: call.function }));
      if (message.toolCallId !== undefined) wire.tool_call_id = message.toolCallId;
      return wire;
    }),
  };
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.maxTokens !== undefined) body[endpoint.maxTokensField] = request.maxTokens;
  if (request.stop?.length) body.stop = request.stop;
  if (request.seed !== undefined) body.seed = request.seed;
  if (request.n !== undefined && request.n !== 1) body.n = request.n;
  if (request.tools?.length) body.tools = request.tools.map((tool) => ({ type: 'function', function: tool.function }));
  if (request.toolChoice !== undefined) {
    body.tool_choice = typeof request.toolChoice === 'string' ? request.toolChoice : { type: 'function', function: { name: request.toolChoice.name } };
  }
  return body;
}

const count = z.number().nullish();
const OpenAiChatResponseSchema = z.object({
  id: z.string().nullish(),
  model: z.string().nullish(),
  choices: z
    .array(
      z.object({
        index: z.number().int().nullish(),
        message: z.object({
          content: z.string().nullish(),
          tool_calls: z.array(z.object({ id: z.string().nullish(), function: z.object({ name: z.string(), arguments: z.string().nullish() }) })).nullish(),
        }),
        finish_reason: z.string().nullish(),
      }),
    )
    .min(1, 'no choices'),
  usage: z
    .object({
      prompt_tokens: count,
      completion_tokens: count,
      prompt_tokens_details: z.object({ cached_tokens: count }).nullish(),
    })
    .nullish(),
});

export function parseOpenAiChatResponse(json: unknown): ParsedChat {
  const wire = parseWire(OpenAiChatResponseSchema, json, 'OpenAI chat completion');
  const choices: ChatChoice[] = wire.choices.map((choice, position) => {
    const toolCalls = (choice.message.tool_calls ?? []).map((call, callIndex) => ({
      id: call.id || `call_${position}_${callIndex}`,
      type: 'function' as const,
      function: { name: call.function.name, arguments: call.function.arguments ?? '' },
    }));
    return {
      index: choice.index ?? position,
      message: { role: 'assistant', content: choice.message.content ?? '', ...(toolCalls.length > 0 ? { toolCalls } : {}) },
      finishReason: choice.finish_reason ?? null,
    };
  });
  choices.sort((left, right) => left.index - right.index);
  let usage: Usage | undefined;
  if (wire.usage && (wire.usage.prompt_tokens != null || wire.usage.completion_tokens != null)) {
    usage = {
      inputTokens: wire.usage.prompt_tokens ?? 0,
      outputTokens: wire.usage.completion_tokens ?? 0,
      cacheReadTokens: wire.usage.prompt_tokens_details?.cached_tokens ?? 0,
      cacheWriteTokens: 0,
    };
  }
  return { id: wire.id ?? undefined, model: wire.model ?? undefined, choices, usage };
}
