import { ChatChoiceSchema, UsageSchema, type ChatChoice } from '@codemonkeys/protocol';
import { z } from 'zod';

/** What the call that produced a cached value cost, so that a replay can rewrite that call's record exactly. */
export const CallOriginSchema = z.object({
  recordId: z.string(),
  costUsd: z.number().min(0),
  latencyMs: z.number().min(0),
  retries: z.number().int().min(0),
  createdAt: z.string(),
});
export type CallOrigin = z.output<typeof CallOriginSchema>;

export const CachedChatSchema = z.object({
  kind: z.literal('chat'),
  id: z.string().optional(),
  model: z.string(),
  choices: z.array(ChatChoiceSchema),
  usage: UsageSchema,
  origin: CallOriginSchema,
});
export type CachedChat = z.output<typeof CachedChatSchema>;

export const CachedEmbeddingSchema = z.object({
  kind: z.literal('embedding'),
  model: z.string(),
  embedding: z.array(z.number()),
  /** Prompt tokens of this text as the endpoint billed them (shared out over a batch when only a total was given). */
  tokens: z.number().min(0),
});
export type CachedEmbedding = z.output<typeof CachedEmbeddingSchema>;

export const CachedEmbeddingCallSchema = z.object({
  kind: z.literal('embedding-call'),
  model: z.string(),
  usage: UsageSchema,
  origin: CallOriginSchema,
});
export type CachedEmbeddingCall = z.output<typeof CachedEmbeddingCallSchema>;

/**
 * A deep copy of chat choices, so that a caller editing its answer cannot change a cached one. Written
 * out because structuredClone costs several times more per call on this hot path.
 */
export function copyChoices(choices: readonly ChatChoice[]): ChatChoice[] {
  return choices.map((choice) => ({
    index: choice.index,
    finishReason: choice.finishReason,
    message: {
      ...choice.message,
      ...(choice.message.toolCalls
        ? { toolCalls: choice.message.toolCalls.map((call) => ({ id: call.id, type: call.type, function: { name: call.function.name, arguments: call.function.arguments } })) }
        : {}),
      ...(choice.message.usage ? { usage: { ...choice.message.usage } } : {}),
    },
  }));
}
