import { z } from 'zod';
import { MessageSchema } from '../../message/v1/message';
import { UsageSchema } from './usage';

export const ToolDefinitionSchema = z.object({
  type: z.literal('function').default('function'),
  function: z.object({
    name: z.string().min(1),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  }),
});
export type ToolDefinition = z.output<typeof ToolDefinitionSchema>;

/** A chat request, normalized across providers. `model` falls back to the client's default model. */
export const ChatRequestSchema = z.object({
  model: z.string().min(1).optional(),
  messages: z.array(MessageSchema).min(1, 'a chat request needs at least one message'),
  temperature: z.number().min(0).max(2).optional(),
  topP: z.number().min(0).max(1).optional(),
  maxTokens: z.number().int().positive().optional(),
  stop: z.array(z.string()).optional(),
  seed: z.number().int().optional(),
  /** Number of samples returned by one call (OpenAI `n`). */
  n: z.number().int().positive().optional(),
  tools: z.array(ToolDefinitionSchema).optional(),
  toolChoice: z.union([z.enum(['auto', 'none', 'required']), z.object({ name: z.string() })]).optional(),
  /** Ask the provider to cache the prompt prefix (Anthropic `cache_control`); ignored where unsupported. */
  promptCaching: z.boolean().optional(),
});
export type ChatRequest = z.input<typeof ChatRequestSchema>;
export type NormalizedChatRequest = z.output<typeof ChatRequestSchema>;

export const ChatChoiceSchema = z.object({
  index: z.number().int().min(0),
  message: MessageSchema,
  /** stop, length, tool_calls, content_filter, ... as the provider said it. */
  finishReason: z.string().nullable(),
});
export type ChatChoice = z.output<typeof ChatChoiceSchema>;

export const ChatResponseSchema = z.object({
  id: z.string().optional(),
  model: z.string(),
  choices: z.array(ChatChoiceSchema),
  usage: UsageSchema,
  costUsd: z.number().min(0),
  latencyMs: z.number().min(0),
  /** Served from the response cache: no endpoint call, no cost. */
  cacheHit: z.boolean(),
  retries: z.number().int().min(0),
});
export type ChatResponse = z.output<typeof ChatResponseSchema>;

export const EmbeddingRequestSchema = z.object({
  model: z.string().min(1).optional(),
  input: z.array(z.string()).min(1, 'an embedding request needs at least one input'),
});
export type EmbeddingRequest = z.input<typeof EmbeddingRequestSchema>;

export const EmbeddingResponseSchema = z.object({
  model: z.string(),
  embeddings: z.array(z.array(z.number())),
  usage: UsageSchema,
  costUsd: z.number().min(0),
  latencyMs: z.number().min(0),
  cacheHit: z.boolean(),
  retries: z.number().int().min(0),
});
export type EmbeddingResponse = z.output<typeof EmbeddingResponseSchema>;
