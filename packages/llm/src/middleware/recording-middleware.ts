import { ModelCallError, emptyUsage, type CallLabels, type ModelCallRecord, type NormalizedChatRequest, type SecretRedactor } from '@codemonkeys/protocol';
import { chatRequestForKey } from '../cache/cache-keys';
import type { ModelCallRecorder } from '../recording/model-call-recorder';
import type { ChatCall, ChatResult, EmbeddingCall, EmbeddingResult, ModelMiddleware } from './model-middleware';

interface Recorded {
  kind: 'chat' | 'embedding';
  call: ChatCall | EmbeddingCall;
  request: unknown;
}

function labelFields(labels: CallLabels): Partial<Pick<ModelCallRecord, 'experimentId' | 'runId' | 'instanceId' | 'stage'>> {
  return {
    ...(labels.experimentId !== undefined ? { experimentId: labels.experimentId } : {}),
    ...(labels.runId !== undefined ? { runId: labels.runId } : {}),
    ...(labels.instanceId !== undefined ? { instanceId: labels.instanceId } : {}),
    ...(labels.stage !== undefined ? { stage: labels.stage } : {}),
  };
}

function recordedChatRequest(request: NormalizedChatRequest, model: string): Record<string, unknown> {
  return { model, ...chatRequestForKey(request), ...(request.promptCaching !== undefined ? { promptCaching: request.promptCaching } : {}) };
}

/**
 * One ModelCallRecord per call, success or ModelCallError, handed to the recorder (redacted). A cache
 * hit of the very call that produced the entry (same labels and key, as when a resumed run redoes it)
 * rewrites that call's record as it was, so the stored cost survives; any other hit is a record of its
 * own that costs nothing. Outermost, so that it sees the call as the plugin made it.
 */
export function createRecordingMiddleware(options: { endpoint: string; recorder: ModelCallRecorder; ownsRecorder: boolean; redactor: SecretRedactor }): ModelMiddleware {
  const { endpoint, recorder, redactor } = options;

  const write = (
    recorded: Recorded,
    fields: Pick<ModelCallRecord, 'usage' | 'costUsd' | 'latencyMs' | 'cacheHit' | 'retries' | 'createdAt'>,
    response: unknown,
    error?: ModelCallError,
  ): void => {
    const { call } = recorded;
    recorder.record({
      id: call.identity.recordId,
      ...labelFields(call.labels),
      sample: call.sample,
      kind: recorded.kind,
      endpoint,
      model: call.model,
      request: redactor.redact(recorded.request),
      ...(response !== undefined ? { response: redactor.redact(response) } : {}),
      ...fields,
      cacheKey: call.identity.cacheKey,
      status: error ? 'error' : 'ok',
      ...(error ? { error: { name: error.name, message: redactor.redactText(error.message) } } : {}),
    });
  };

  const answered = (recorded: Recorded, result: ChatResult | EmbeddingResult, response: unknown): void => {
    const { origin } = result;
    if (origin && origin.recordId === recorded.call.identity.recordId) {
      write(
        recorded,
        { usage: { ...result.usage }, costUsd: origin.costUsd, latencyMs: origin.latencyMs, cacheHit: false, retries: origin.retries, createdAt: origin.createdAt },
        response,
      );
    } else {
      write(
        recorded,
        { usage: { ...result.usage }, costUsd: result.costUsd, latencyMs: result.latencyMs, cacheHit: result.cacheHit, retries: result.retries, createdAt: result.createdAt },
        response,
      );
    }
  };

  const failed = (recorded: Recorded, error: unknown): void => {
    if (!ModelCallError.isInstance(error)) return; // budget refusals and aborts are not calls the endpoint saw
    const fields = {
      usage: emptyUsage(),
      costUsd: 0,
      latencyMs: performance.now() - recorded.call.started,
      cacheHit: false,
      retries: Math.max(0, error.attempts - 1),
      createdAt: new Date().toISOString(),
    };
    write(recorded, fields, undefined, error);
  };

  return {
    async wrapChat(call, next) {
      const recorded: Recorded = { kind: 'chat', call, request: recordedChatRequest(call.request, call.model) };
      let result: ChatResult;
      try {
        result = await next(call);
      } catch (error) {
        failed(recorded, error);
        throw error;
      }
      answered(recorded, result, { ...(result.id !== undefined ? { id: result.id } : {}), model: result.model, choices: result.choices });
      return result;
    },
    async wrapEmbed(call, next) {
      const characters = call.input.reduce((sum, input) => sum + input.length, 0);
      const recorded: Recorded = { kind: 'embedding', call, request: { model: call.model, inputs: call.input.length, characters } };
      let result: EmbeddingResult;
      try {
        result = await next(call);
      } catch (error) {
        failed(recorded, error);
        throw error;
      }
      answered(recorded, result, { vectors: result.embeddings.length, dimensions: result.embeddings[0]?.length ?? 0 });
      return result;
    },
    flush: () => recorder.flush(),
    close: () => (options.ownsRecorder ? recorder.close() : recorder.flush()),
  };
}
