import { createHash } from 'node:crypto';
import type { CallLabels, NormalizedChatRequest } from '@codemonkeys/protocol';
import { canonicalJson } from './canonical-json';

// Bumped when the key layout or the cached value changes, so that old entries are simply not found.
const keyVersion = 1;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

const answerFields = ['temperature', 'topP', 'maxTokens', 'stop', 'seed', 'n', 'tools', 'toolChoice'] as const;

/**
 * The parts of a chat request that decide the answer: messages (without the usage attached to earlier
 * assistant messages) and sampling parameters. `model` is keyed separately and `promptCaching` is left
 * out: it changes the bill, not the answer.
 */
export function chatRequestForKey(request: NormalizedChatRequest): Record<string, unknown> {
  // Only the fields that are set: the key is the same either way (canonical JSON drops undefined), and the
  // call record built from this object is redacted field by field on every call.
  const parts: Record<string, unknown> = {
    messages: request.messages.map((message) => {
      const part: Record<string, unknown> = { role: message.role, content: message.content };
      if (message.name !== undefined) part.name = message.name;
      if (message.toolCalls !== undefined) part.toolCalls = message.toolCalls;
      if (message.toolCallId !== undefined) part.toolCallId = message.toolCallId;
      return part;
    }),
  };
  for (const field of answerFields) if (request[field] !== undefined) parts[field] = request[field];
  return parts;
}

/** Response-cache key of a chat call: endpoint, model, normalized request and sample index. */
export function chatCacheKey(parts: { endpoint: string; model: string; request: NormalizedChatRequest; sample: number }): string {
  return `llm-chat:${sha256(canonicalJson({ v: keyVersion, endpoint: parts.endpoint, model: parts.model, request: chatRequestForKey(parts.request), sample: parts.sample }))}`;
}

/** Response-cache key of one embedded text (embeddings are deterministic: no sample index). */
export function embeddingCacheKey(parts: { endpoint: string; model: string; input: string }): string {
  return `llm-embedding:${sha256(canonicalJson({ v: keyVersion, endpoint: parts.endpoint, model: parts.model, input: parts.input }))}`;
}

/** Key of a whole embedding call (the ordered inputs), used for its record and its cached summary. */
export function embeddingCallKey(parts: { endpoint: string; model: string; inputKeys: readonly string[] }): string {
  return `llm-embedding-call:${sha256(canonicalJson({ v: keyVersion, endpoint: parts.endpoint, model: parts.model, inputs: parts.inputKeys }))}`;
}

/** Deterministic id of a model call record: the labels plus the cache key, so a resumed run overwrites its records. */
export function modelCallRecordId(labels: CallLabels, sample: number, cacheKey: string): string {
  return `mc-${sha256(canonicalJson([labels.experimentId, labels.runId, labels.instanceId, labels.stage, sample, cacheKey])).slice(0, 40)}`;
}
