import { type ExchangeOutcome } from '@codemonkeys/plugin-kit';
import { type ChatRequest, type Logger, type ModelClient, type Task, type Workspace } from '@codemonkeys/protocol';
import type { AgentlessOptions } from './agentless-options';
import type { LevelCost, LevelRecord } from './agentless-metadata';
import { createElementIndex, type ElementIndex } from './element-index';
import { systemPrompt } from './prompts/system-prompt';

/** What every level of one run works with. */
export interface LevelEnvironment {
  readonly instanceId: string;
  readonly task: Task;
  readonly workspace: Workspace;
  readonly model: ModelClient;
  readonly options: AgentlessOptions;
  readonly signal: AbortSignal;
  readonly logger: Logger;
  countTokens(text: string): number;
  /** A chat request with the system prompt, the model name and the answer limit. */
  request(prompt: string, temperature: number): ChatRequest;
  /** The elements of a file (outline plus module and class variables), read once per run. */
  elementIndex(path: string): Promise<ElementIndex>;
  readFile(path: string): Promise<string | undefined>;
}

export function createLevelEnvironment(fields: Omit<LevelEnvironment, 'request' | 'elementIndex' | 'readFile' | 'countTokens'>): LevelEnvironment {
  const indexes = new Map<string, Promise<ElementIndex>>();
  const contents = new Map<string, Promise<string | undefined>>();
  const readFile = (path: string): Promise<string | undefined> => {
    let content = contents.get(path);
    if (!content) {
      content = fields.workspace.readFile(path).catch(() => undefined);
      contents.set(path, content);
    }
    return content;
  };
  return {
    ...fields,
    countTokens: (text) => fields.model.countTokens(text, fields.options.model),
    request: (prompt, temperature) => ({
      ...(fields.options.model ? { model: fields.options.model } : {}),
      messages: [
        { role: 'system', content: systemPrompt },
        { role: 'user', content: prompt },
      ],
      temperature,
      maxTokens: fields.options.maxAnswerTokens,
    }),
    readFile,
    elementIndex(path) {
      let index = indexes.get(path);
      if (!index) {
        index = (async () => {
          const source = (await readFile(path)) ?? '';
          // Files the workspace cannot outline (not Python) have no elements: they are shown and pointed at whole.
          const outline = await fields.workspace.outline(path).catch(() => []);
          return createElementIndex(source, outline);
        })();
        indexes.set(path, index);
      }
      return index;
    },
  };
}

const answerExcerptLength = 2000;

/** The record of one level from the outcome of its question. */
export function levelRecordOf(outcome: ExchangeOutcome<unknown>): LevelRecord {
  const cost: LevelCost = { calls: outcome.calls, cacheHits: outcome.cacheHits, usage: outcome.usage, costUsd: outcome.costUsd };
  if (outcome.status === 'ok') return { status: 'ok', ...cost };
  return {
    status: 'failed',
    failure: outcome.reason,
    error: outcome.error,
    ...cost,
    ...(outcome.answers.length > 0 ? { failedAnswers: outcome.answers.map((answer) => answer.slice(0, answerExcerptLength)) } : {}),
  };
}
