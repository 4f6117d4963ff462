import type { ChatChoice, Message, NormalizedChatRequest } from '@codemonkeys/protocol';
import { z } from 'zod';
import type { ResolvedEndpointConfig } from '../endpoint/endpoint-config';
import { parseWire, type ParsedChat } from './parsed-chat';

type Block = Record<string, unknown>;
interface WireMessage {
  role: 'user' | 'assistant';
  content: Block[];
}

const ephemeral = { type: 'ephemeral' } as const;

/**
 * The body of `POST /v1/messages`. System messages become `system`; tool results become `tool_result`
 * blocks of a user turn; consecutive turns of one role are merged (the API wants them alternating).
 * With `promptCaching`, cache breakpoints go on the system prompt and on the last block of the
 * conversation, so the next call that extends it reads the whole prefix from the cache. `seed` has no
 * Anthropic equivalent and is not sent; `n` is served by separate calls (see the client).
 */
export function anthropicMessagesBody(request: NormalizedChatRequest, model: string, endpoint: ResolvedEndpointConfig): Record<string, unknown> {
  const system: Block[] = request.messages.filter((message) => message.role === 'system').map((message) => ({ type: 'text', text: message.content }));
  const messages: WireMessage[] = [];
  for (const message of request.messages) {
    if (message.role === 'system') continue;
    const role = message.role === 'assistant' ? 'assistant' : 'user';
    const blocks = toBlocks(message);
    const last = messages[messages.length - 1];
    if (last && last.role === role) last.content.push(...blocks);
    else messages.push({ role, content: blocks });
  }
  if (request.promptCaching) {
    const lastSystem = system[system.length - 1];
    if (lastSystem) lastSystem.cache_control = ephemeral;
    const lastMessage = messages[messages.length - 1];
    const lastBlock = lastMessage?.content[lastMessage.content.length - 1];
    if (lastBlock) lastBlock.cache_control = ephemeral;
  }
  const body: Record<string, unknown> = { model, max_tokens: request.maxTokens ?? endpoint.defaultMaxTokens, messages };
  if (system.length > 0) body.system = system;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.stop?.length) body.stop_sequences = request.stop;
  if (request.tools?.length) {
    body.tools = request.tools.map((tool) => ({
      name: tool.function.name,
      ...(tool.function.description ? { description: tool.function.description } : {}),
      input_schema: tool.function.parameters ?? { type: 'object', properties: {} },
    }));
  }
  if (request.toolChoice !== undefined) {
    body.tool_choice =
      typeof request.toolChoice === 'object' ? { type: 'tool', name: request.toolChoice.name } : { type: request.toolChoice === 'required' ? 'any' : request.toolChoice };
  }
  return body;
}

function toBlocks(message: Message): Block[] {
  if (message.role === 'tool') {
    return [{ type: 'tool_result', tool_use_id: message.toolCallId ?? '', content: message.content }];
  }
  const blocks: Block[] = [];
  if (message.content !== '') blocks.push({ type: 'text', text: message.content });
  for (const call of message.toolCalls ?? []) {
    blocks.push({ type: 'tool_use', id: call.id, name: call.function.name, input: parseArguments(call.function.arguments) });
  }
  // The API refuses empty content; an empty turn is kept as an empty text block's nearest legal form.
  if (blocks.length === 0) blocks.push({ type: 'text', text: ' ' });
  return blocks;
}

function parseArguments(text: string): unknown {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? parsed : { value: parsed };
  } catch {
    return { arguments: text };
  }
}

const count = z.number().nullish();
const AnthropicMessageSchema = z.object({
  id: z.string().nullish(),
  model: z.string().nullish(),
  content: z.array(
    z.union([
      z.object({ type: z.literal('text'), text: z.string() }),
      z.object({ type: z.literal('tool_use'), id: z.string(), name: z.string(), input: z.unknown() }),
      z.object({ type: z.string() }), // thinking and future block kinds: ignored
    ]),
  ),
  stop_reason: z.string().nullish(),
  usage: z.object({ input_tokens: count, output_tokens: count, cache_read_input_tokens: count, cache_creation_input_tokens: count }).nullish(),
});

// Anthropic's stop reasons in OpenAI's vocabulary, so that plugins can check `finishReason === 'length'` on any endpoint.
const finishReasons: Record<string, string> = { end_turn: 'stop', stop_sequence: 'stop', max_tokens: 'length', tool_use: 'tool_calls' };

/**
 * Parses a Messages API response. Usage is normalized so that `inputTokens` counts every prompt token:
 * Anthropic's `input_tokens` excludes cache reads and writes, which are added to it.
 */
export function parseAnthropicMessagesResponse(json: unknown): ParsedChat {
  const wire = parseWire(AnthropicMessageSchema, json, 'Anthropic message');
  let text = '';
  const toolCalls: NonNullable<Message['toolCalls']> = [];
  for (const block of wire.content) {
    if (block.type === 'text' && 'text' in block) text += block.text;
    if (block.type === 'tool_use' && 'name' in block)
      toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } });
  }
  const choice: ChatChoice = {
    index: 0,
    message: { role: 'assistant', content: text, ...(toolCalls.length > 0 ? { toolCalls } : {}) },
    finishReason: wire.stop_reason ? (finishReasons[wire.stop_reason] ?? wire.stop_reason) : null,
  };
  const usage = wire.usage
    ? {
        inputTokens: (wire.usage.input_tokens ?? 0) + (wire.usage.cache_read_input_tokens ?? 0) + (wire.usage.cache_creation_input_tokens ?? 0),
        outputTokens: wire.usage.output_tokens ?? 0,
        cacheReadTokens: wire.usage.cache_read_input_tokens ?? 0,
        cacheWriteTokens: wire.usage.cache_creation_input_tokens ?? 0,
      }
    : undefined;
  return { id: wire.id ?? undefined, model: wire.model ?? undefined, choices: [choice], usage };
}
