import { AsyncResource } from 'node:async_hooks';
import type { ChatResponse, Message, ModelClient, Usage } from '@codemonkeys/protocol';
import type { ConversationSettings, SharedAnswer } from './model-conversation';

/** Integer shares of a count that add up to it exactly (the first `total % parts` shares get one more). */
const shareOf = (total: number, parts: number, index: number): number => Math.floor(total / parts) + (index < total % parts ? 1 : 0);

function usageShare(usage: Usage, parts: number, index: number): Usage {
  return {
    inputTokens: shareOf(usage.inputTokens, parts, index),
    outputTokens: shareOf(usage.outputTokens, parts, index),
    cacheReadTokens: shareOf(usage.cacheReadTokens, parts, index),
    cacheWriteTokens: shareOf(usage.cacheWriteTokens, parts, index),
  };
}

/**
 * `sampling: 'n'`: the first answer of every sample's conversation of a kind (`edit`, `test`, ...) comes
 * from one call with `n = samples`, made when the first sample needs it and shared by the others; its
 * usage and cost are split evenly between the samples it served. A sample whose choice is missing (the
 * endpoint returned fewer) asks on its own. The call runs in the labels scope of the run, not of the
 * sample that happened to need it first.
 */
export class SharedFirstAnswers {
  private readonly calls = new Map<string, Promise<ChatResponse | undefined>>();
  private readonly inRunScope: <T>(fn: () => T) => T;

  constructor(
    private readonly model: ModelClient,
    private readonly settings: Omit<ConversationSettings, 'sampleIndex' | 'seed'> & { seed: number | undefined },
    private readonly samples: number,
  ) {
    this.inRunScope = AsyncResource.bind(<T>(fn: () => T): T => fn());
  }

  /** The provider a sample's conversation of `kind` takes its first answer from. */
  firstAnswerFor(kind: string, messages: readonly Message[], sampleIndex: number): () => Promise<SharedAnswer | undefined> {
    return async () => {
      let call = this.calls.get(kind);
      if (!call) {
        call = this.inRunScope(() => this.request(messages));
        this.calls.set(kind, call);
      }
      const response = await call;
      const choice = response?.choices.find((candidate) => candidate.index === sampleIndex) ?? response?.choices[sampleIndex];
      if (!response || !choice) return undefined;
      const parts = Math.max(1, response.choices.length);
      return {
        message: choice.message,
        finishReason: choice.finishReason,
        usage: usageShare(response.usage, parts, sampleIndex),
        costUsd: response.costUsd / parts,
        cacheHit: response.cacheHit,
      };
    };
  }

  private async request(messages: readonly Message[]): Promise<ChatResponse | undefined> {
    const settings = this.settings;
    try {
      return await this.model.chat(
        {
          messages: [...messages],
          n: this.samples,
          temperature: settings.temperature,
          maxTokens: settings.maxAnswerTokens,
          ...(settings.modelName ? { model: settings.modelName } : {}),
          ...(settings.seed === undefined ? {} : { seed: settings.seed }),
          ...(settings.promptCaching ? { promptCaching: true } : {}),
        },
        { signal: settings.signal, sample: 0 },
      );
    } catch (error) {
      if (settings.signal.aborted) throw settings.signal.reason ?? error;
      // Every sample then asks on its own, and reports its own failure if the endpoint is really down.
      settings.logger.warn('generator-llm: the shared n-sample call failed; samples ask one by one', { error: error instanceof Error ? error.message : String(error) });
      return undefined;
    }
  }
}
