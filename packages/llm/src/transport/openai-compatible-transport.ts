import { addUsage, emptyUsage, type Usage } from '@codemonkeys/protocol';
import type { ChatCall, EmbeddingCall, EmbeddingResult, EndpointAnswer, EndpointRequest } from '../middleware/model-middleware';
import { openAiChatBody, parseOpenAiChatResponse } from '../protocol/openai-chat-protocol';
import { parseOpenAiEmbeddingsResponse } from '../protocol/openai-embeddings-protocol';
import type { ParsedChat } from '../protocol/parsed-chat';
import { createJsonEndpoint } from './json-endpoint';
import { basePathOf, chatResultOf, countedChatUsage, estimatedChatTokens, type ModelTransport, type TransportOptions } from './model-transport';

/**
 * OpenAI-compatible servers (vLLM, SGLang, Ollama, OpenAI, Together, ...): `POST {baseUrl}/chat/completions`
 * with `n` samples in one request, and `POST {baseUrl}/embeddings` in batches. The key goes as a bearer token.
 */
export function createOpenAiCompatibleTransport(options: TransportOptions): ModelTransport {
  const { endpoint, apiKey, countTokens } = options;
  const base = basePathOf(endpoint.baseUrl);
  const chatPath = `${base.path}/chat/completions${base.query}`;
  const embeddingsPath = `${base.path}/embeddings${base.query}`;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', ...(endpoint.headers ?? {}) };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  const http = createJsonEndpoint({ origin: base.origin, headers, dispatcher: options.dispatcher, timeoutMs: options.timeoutMs, redactor: options.redactor });
  const warned = new Set<string>();

  const chatRequest = (call: ChatCall, samples: number): EndpointRequest<ParsedChat> => {
    const request = samples === (call.request.n ?? 1) ? call.request : { ...call.request, n: samples };
    // Written when the request first gets a slot, not while it waits in the limiter's queue.
    let body: string | undefined;
    return {
      operation: `chat (model "${call.model}")`,
      model: call.model,
      signal: call.signal,
      estimateTokens: () => estimatedChatTokens(request, samples),
      async send() {
        body ??= JSON.stringify(openAiChatBody(request, call.model, endpoint));
        const parsed = parseOpenAiChatResponse(await http.post(chatPath, body, call.signal));
        return { value: parsed, usage: parsed.usage ?? countedChatUsage(request, parsed, call.model, countTokens) };
      },
    };
  };

  const embeddingRequest = (call: EmbeddingCall, batch: readonly string[]): EndpointRequest<number[][]> => {
    let body: string | undefined;
    return {
      operation: `embedding of ${batch.length} inputs (model "${call.model}")`,
      model: call.model,
      signal: call.signal,
      estimateTokens: () => Math.ceil(batch.reduce((sum, input) => sum + input.length, 0) / 3.5),
      async send() {
        body ??= JSON.stringify({ model: call.model, input: batch });
        const parsed = parseOpenAiEmbeddingsResponse(await http.post(embeddingsPath, body, call.signal), batch.length);
        const inputTokens = parsed.promptTokens ?? batch.reduce((sum, input) => sum + countTokens(input, call.model), 0);
        return { value: parsed.embeddings, usage: { ...emptyUsage(), inputTokens } };
      },
    };
  };

  return {
    protocol: 'OpenAI-compatible',
    async chat(call, send) {
      const samples = call.request.n ?? 1;
      const answers = [await send(chatRequest(call, samples))];
      // Some OpenAI-compatible servers (Ollama, for one) ignore `n` and answer one choice: ask for the rest one by one.
      const missing = samples - answers[0]!.value.choices.length;
      if (missing > 0) {
        const warning = `short-n:${call.model}`;
        if (!warned.has(warning)) {
          warned.add(warning);
          options.logger.warn(
            `${options.name} answered ${samples - missing} of ${samples} samples for model "${call.model}" (it may ignore "n"); the others are requested one by one.`,
          );
        }
        answers.push(...(await Promise.all(Array.from({ length: missing }, () => send(chatRequest(call, 1))))));
      }
      return chatResultOf(call, answers);
    },

    // Each distinct text is sent once, however often it repeats; batches go out in parallel under the limits.
    async embed(call, send): Promise<EmbeddingResult> {
      const texts = [...new Set(call.input)];
      const batches: string[][] = [];
      for (let offset = 0; offset < texts.length; offset += options.embeddingBatchSize) batches.push(texts.slice(offset, offset + options.embeddingBatchSize));
      const answers: Array<EndpointAnswer<number[][]>> = await Promise.all(batches.map((batch) => send(embeddingRequest(call, batch))));
      const vectors = new Map<string, { embedding: number[]; tokens: number }>();
      let usage: Usage = emptyUsage();
      let costUsd = 0;
      let retries = 0;
      answers.forEach((answer, batchIndex) => {
        const batch = batches[batchIndex]!;
        usage = addUsage(usage, answer.usage);
        costUsd += answer.costUsd;
        retries += answer.retries;
        // Per-text tokens (for replays) share the batch's total out by length when the endpoint gave only a total.
        const characters = batch.reduce((sum, text) => sum + Math.max(1, text.length), 0);
        batch.forEach((text, index) => vectors.set(text, { embedding: answer.value[index]!, tokens: (answer.usage.inputTokens * Math.max(1, text.length)) / characters }));
      });
      return {
        model: call.model,
        embeddings: call.input.map((text) => vectors.get(text)!.embedding),
        inputTokens: call.input.map((text) => vectors.get(text)!.tokens),
        usage,
        costUsd,
        retries,
        latencyMs: performance.now() - call.started,
        createdAt: new Date().toISOString(),
        cacheHit: false,
      };
    },
  };
}
