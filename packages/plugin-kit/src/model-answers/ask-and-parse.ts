import { addUsage, emptyUsage, type ChatRequest, type Message, type ModelCallOptions, type ModelClient, type Usage } from '@codemonkeys/protocol';

/** What the model calls of one question cost. */
export interface ExchangeCost {
  /** Model calls made (a re-ask is a second call; a failed call counts too). */
  calls: number;
  usage: Usage;
  costUsd: number;
  /** Calls answered from the client's response cache. */
  cacheHits: number;
}

export type ExchangeOutcome<T> =
  | ({ status: 'ok'; value: T; answers: string[] } & ExchangeCost)
  /** `unparseable`: the model answered twice and neither answer could be used; `endpoint`: a call failed. */
  | ({ status: 'failed'; reason: 'unparseable' | 'endpoint'; error: string; cause?: unknown; answers: string[] } & ExchangeCost);

export interface AskAndParseOptions<T> {
  model: ModelClient;
  request: ChatRequest;
  callOptions?: ModelCallOptions;
  /**
   * Turns the answer text into a value; throws when it cannot, with a message the model can act on
   * (e.g. an `UnparseableAnswerError`): that message goes into the re-ask.
   */
  parse: (answer: string) => T;
  /** The user message sent after an unusable answer, given the parse error's message (the plugin's own wording). */
  reaskPrompt: (problem: string) => string;
  /** Stops waiting when aborted: an abort is rethrown, never recorded as a failure. */
  signal: AbortSignal;
}

export const emptyExchangeCost = (): ExchangeCost => ({ calls: 0, usage: emptyUsage(), costUsd: 0, cacheHits: 0 });

export function addExchangeCost(left: ExchangeCost, right: ExchangeCost): ExchangeCost {
  return { calls: left.calls + right.calls, usage: addUsage(left.usage, right.usage), costUsd: left.costUsd + right.costUsd, cacheHits: left.cacheHits + right.cacheHits };
}

const errorMessage = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/**
 * Asks the model one question, parses the answer, and asks once more (the answer and the parse error
 * appended to the conversation) when the first answer cannot be used. Never throws for model text or a
 * failed call: the outcome says what happened and what it cost, so that the caller records a failed
 * sample instead of crashing. Only an abort of `signal` is rethrown.
 */
export async function askAndParse<T>(options: AskAndParseOptions<T>): Promise<ExchangeOutcome<T>> {
  const cost = emptyExchangeCost();
  const answers: string[] = [];
  let messages: Message[] = [...(options.request.messages as Message[])];
  for (let attempt = 0; attempt < 2; attempt += 1) {
    let text: string;
    try {
      const response = await options.model.chat({ ...options.request, messages }, { ...options.callOptions, signal: options.signal });
      cost.calls += 1;
      cost.usage = addUsage(cost.usage, response.usage);
      cost.costUsd += response.costUsd;
      if (response.cacheHit) cost.cacheHits += 1;
      text = response.choices[0]?.message.content ?? '';
    } catch (error) {
      if (options.signal.aborted) throw options.signal.reason ?? error;
      cost.calls += 1;
      return { status: 'failed', reason: 'endpoint', error: errorMessage(error), cause: error, answers, ...cost };
    }
    answers.push(text);
    try {
      return { status: 'ok', value: options.parse(text), answers, ...cost };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (attempt === 1) return { status: 'failed', reason: 'unparseable', error: message, answers, ...cost };
      messages = [...messages, { role: 'assistant', content: text }, { role: 'user', content: options.reaskPrompt(message) }];
    }
  }
  /* c8 ignore next */
  return { status: 'failed', reason: 'unparseable', error: 'no answer', answers, ...cost };
}
