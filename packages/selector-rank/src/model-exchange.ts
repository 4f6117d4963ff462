import type { ChatRequest, Message, ModelClient } from '@codemonkeys/protocol';

/** What the model calls of one selection cost. */
export interface ExchangeTotals {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  cacheHits: number;
}

export type ExchangeAnswer = { ok: true; text: string } | { ok: false; error: string };

/** Model calls with their cost added up; a failed call is an answer (`ok: false`), only an abort throws. */
export class ModelExchange {
  readonly totals: ExchangeTotals = { calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, cacheHits: 0 };

  constructor(
    private readonly model: ModelClient,
    private readonly request: Omit<ChatRequest, 'messages'>,
    private readonly signal: AbortSignal,
  ) {}

  async ask(messages: readonly Message[]): Promise<ExchangeAnswer> {
    this.totals.calls += 1;
    try {
      const response = await this.model.chat({ ...this.request, messages: [...messages] } as ChatRequest, { signal: this.signal });
      this.totals.inputTokens += response.usage.inputTokens;
      this.totals.outputTokens += response.usage.outputTokens;
      this.totals.costUsd += response.costUsd;
      if (response.cacheHit) this.totals.cacheHits += 1;
      return { ok: true, text: response.choices[0]?.message.content ?? '' };
    } catch (error) {
      if (this.signal.aborted) throw this.signal.reason ?? error;
      return { ok: false, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
    }
  }

  countTokens(text: string): number {
    return this.model.countTokens(text, this.request.model);
  }
}
