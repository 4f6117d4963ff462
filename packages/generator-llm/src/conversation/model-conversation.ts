import { BudgetExceededError, addUsage, type ChatRequest, type Logger, type Message, type ModelClient, type Usage } from '@codemonkeys/protocol';
import type { CallTotals } from './call-totals';

/** How a sample talks to the model. */
export interface ConversationSettings {
  model: ModelClient;
  /** Sent with every request; the client's default model when absent. */
  modelName: string | undefined;
  temperature: number;
  /** This sample's seed (sent where the endpoint takes one). */
  seed: number | undefined;
  maxAnswerTokens: number;
  /** Prompt plus answer tokens a call may take; a call that would not fit is not made. */
  contextWindow: number;
  promptCaching: boolean;
  sampleIndex: number;
  signal: AbortSignal;
  logger: Logger;
}

/** An answer produced by a shared `n` call for this sample (the first answer of its conversation). */
export interface SharedAnswer {
  message: Message;
  finishReason: string | null;
  /** This sample's share of the call's usage and cost. */
  usage: Usage;
  costUsd: number;
  cacheHit: boolean;
}

export type TurnOutcome =
  | { kind: 'answer'; text: string; finishReason: string | null }
  /** The next call would not fit the context window (prompt tokens counted, answer tokens reserved). */
  | { kind: 'context-exceeded'; promptTokens: number }
  /** The call failed after the client's retries, or the budget is spent. */
  | { kind: 'endpoint-error'; message: string; budgetExceeded: boolean };

/** Per-message framing tokens of chat formats (role markers), counted on top of the text. */
const tokensPerMessage = 4;

/**
 * One conversation of a sample: its messages (kept whole, so a resumed run continues from them), the
 * attempts made (every model call, re-asks included) and the guard that stops before the context
 * window overflows. Failures of the endpoint are outcomes, never thrown; only an abort is rethrown.
 */
export class ModelConversation {
  readonly messages: Message[];

  constructor(
    private readonly settings: ConversationSettings,
    private readonly totals: CallTotals,
    messages: readonly Message[],
    /** Used instead of a call for the first answer, when the sample's first answer came from a shared `n` call. */
    private readonly sharedFirstAnswer?: () => Promise<SharedAnswer | undefined>,
  ) {
    this.messages = [...messages];
  }

  /** Model calls made in this conversation (its assistant messages). */
  get attempts(): number {
    return this.messages.filter((message) => message.role === 'assistant').length;
  }

  say(content: string): void {
    this.messages.push({ role: 'user', content });
  }

  promptTokens(): number {
    const { model, modelName } = this.settings;
    return this.messages.reduce((sum, message) => sum + model.countTokens(message.content, modelName) + tokensPerMessage, 3);
  }

  /** Asks the model for the next answer and appends it to the messages. */
  async ask(): Promise<TurnOutcome> {
    const settings = this.settings;
    const promptTokens = this.promptTokens();
    if (promptTokens + settings.maxAnswerTokens > settings.contextWindow) return { kind: 'context-exceeded', promptTokens };

    if (this.attempts === 0 && this.sharedFirstAnswer) {
      const shared = await this.sharedFirstAnswer();
      if (shared) {
        this.record(shared.usage, shared.costUsd, shared.cacheHit);
        this.messages.push({ ...shared.message, role: 'assistant', usage: shared.usage });
        return { kind: 'answer', text: shared.message.content, finishReason: shared.finishReason };
      }
    }

    const request: ChatRequest = {
      messages: this.messages,
      temperature: settings.temperature,
      maxTokens: settings.maxAnswerTokens,
      ...(settings.modelName ? { model: settings.modelName } : {}),
      ...(settings.seed === undefined ? {} : { seed: settings.seed }),
      ...(settings.promptCaching ? { promptCaching: true } : {}),
    };
    try {
      const response = await settings.model.chat(request, { signal: settings.signal, sample: settings.sampleIndex, labels: { sample: settings.sampleIndex } });
      const choice = response.choices[0];
      this.record(response.usage, response.costUsd, response.cacheHit);
      const text = choice?.message.content ?? '';
      this.messages.push({ role: 'assistant', content: text, usage: response.usage });
      settings.logger.debug('generator-llm: model answered', { sample: settings.sampleIndex, attempt: this.attempts, promptTokens, finishReason: choice?.finishReason ?? null });
      return { kind: 'answer', text, finishReason: choice?.finishReason ?? null };
    } catch (error) {
      if (settings.signal.aborted) throw settings.signal.reason ?? error;
      this.totals.calls += 1;
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      settings.logger.warn('generator-llm: model call failed', { sample: settings.sampleIndex, error: message });
      return { kind: 'endpoint-error', message, budgetExceeded: BudgetExceededError.isInstance(error) };
    }
  }

  private record(usage: Usage, costUsd: number, cacheHit: boolean): void {
    this.totals.calls += 1;
    this.totals.usage = addUsage(this.totals.usage, usage);
    this.totals.costUsd += costUsd;
    if (cacheHit) this.totals.cacheHits += 1;
  }
}
