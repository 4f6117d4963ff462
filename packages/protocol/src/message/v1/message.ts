import { z } from 'zod';
import { UsageSchema } from '../../model/v1/usage';

export const MessageRoleSchema = z.enum(['system', 'user', 'assistant', 'tool']);
export type MessageRole = z.output<typeof MessageRoleSchema>;

/** A function call requested by the model. `arguments` is the JSON text the model wrote. */
export const ToolCallSchema = z.object({
  id: z.string().min(1),
  type: z.literal('function').default('function'),
  function: z.object({ name: z.string().min(1), arguments: z.string() }),
});
export type ToolCall = z.output<typeof ToolCallSchema>;

/** One message of a conversation. Assistant messages may carry tool calls and the usage of the call that produced them. */
export const MessageSchema = z.object({
  role: MessageRoleSchema,
  content: z.string(),
  name: z.string().optional(),
  toolCalls: z.array(ToolCallSchema).optional(),
  /** For role "tool": the id of the call this message answers. */
  toolCallId: z.string().optional(),
  usage: UsageSchema.optional(),
});
export type Message = z.output<typeof MessageSchema>;
