import { z } from 'zod';
import { ResponseShapeError, parseWire } from './parsed-chat';

export interface ParsedEmbeddings {
  model: string | undefined;
  embeddings: number[][];
  /** Prompt tokens of the whole batch, when reported. */
  promptTokens: number | undefined;
}

const OpenAiEmbeddingsResponseSchema = z.object({
  model: z.string().nullish(),
  data: z.array(z.object({ index: z.number().int().min(0), embedding: z.array(z.number()) })),
  usage: z.object({ prompt_tokens: z.number().nullish() }).nullish(),
});

/** Parses `POST {baseUrl}/embeddings`; checks that every input got exactly one vector. */
export function parseOpenAiEmbeddingsResponse(json: unknown, inputCount: number): ParsedEmbeddings {
  const wire = parseWire(OpenAiEmbeddingsResponseSchema, json, 'OpenAI embeddings');
  const embeddings = new Array<number[] | undefined>(inputCount);
  for (const item of wire.data) if (item.index < inputCount) embeddings[item.index] = item.embedding;
  const missing = embeddings.findIndex((embedding) => embedding === undefined);
  if (wire.data.length !== inputCount || missing !== -1) {
    throw new ResponseShapeError('OpenAI embeddings', `expected one vector for each of the ${inputCount} inputs, got ${wire.data.length}`);
  }
  return { model: wire.model ?? undefined, embeddings: embeddings as number[][], promptTokens: wire.usage?.prompt_tokens ?? undefined };
}
