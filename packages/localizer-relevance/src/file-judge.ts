import { askAndParse, emptyExchangeCost } from '@codemonkeys/plugin-kit';
import { type Logger, type ModelClient, type SequenceStorage, type Task } from '@codemonkeys/protocol';
import { parseJudgment } from './judgment-answer';
import { judgmentPrompt, judgmentSystemPrompt } from './prompts/judgment-prompt';
import { promptVersion } from './prompts/prompt-version';
import { CachedJudgmentSchema, judgmentCacheKey, readCached, writeCached } from './relevance-cache';
import type { FileJudgmentRecord } from './relevance-metadata';
import type { RelevanceOptions } from './relevance-options';
import { reaskPrompt } from './prompts/reask-prompt';

export interface FileJudge {
  judge(path: string): Promise<FileJudgmentRecord>;
}

const costFields = (cost: { calls: number; cacheHits: number; usage: FileJudgmentRecord['usage']; costUsd: number }) => ({
  calls: cost.calls,
  cacheHits: cost.cacheHits,
  usage: cost.usage,
  costUsd: cost.costUsd,
});

/**
 * Judges one candidate file at a time: reads it, skips it when over `maxFileBytes`, answers from the
 * judgment cache when it can, else asks the judge (re-asking once on an unusable answer) and caches
 * the verdict. Never throws for a file: failures are records.
 */
export function createFileJudge(options: {
  task: Task;
  readFile: (path: string) => Promise<string>;
  model: ModelClient;
  settings: RelevanceOptions;
  storage: SequenceStorage;
  logger: Logger;
  signal: AbortSignal;
}): FileJudge {
  const { settings, task } = options;
  const modelName = settings.judgeModel ?? options.model.defaultModel ?? options.model.endpoint;
  return {
    async judge(path) {
      let content: string;
      try {
        content = await options.readFile(path);
      } catch (error) {
        return { path, status: 'skipped', cached: false, bytes: 0, error: `unreadable: ${error instanceof Error ? error.message : String(error)}`, ...emptyExchangeCost() };
      }
      const bytes = Buffer.byteLength(content, 'utf8');
      if (bytes > settings.maxFileBytes)
        return { path, status: 'skipped', cached: false, bytes, error: `larger than maxFileBytes (${settings.maxFileBytes})`, ...emptyExchangeCost() };

      const key = judgmentCacheKey({ promptVersion, model: modelName, problemStatement: task.problemStatement, hintsText: task.hintsText, path, content });
      if (settings.cache) {
        const cached = await readCached(options.storage, key, CachedJudgmentSchema);
        if (cached) {
          return cached.relevant
            ? { path, status: 'relevant', summary: cached.summary, cached: true, bytes, ...emptyExchangeCost() }
            : { path, status: 'irrelevant', cached: true, bytes, ...emptyExchangeCost() };
        }
      }

      const outcome = await askAndParse({
        model: options.model,
        request: {
          ...(settings.judgeModel ? { model: settings.judgeModel } : {}),
          messages: [
            { role: 'system', content: judgmentSystemPrompt },
            { role: 'user', content: judgmentPrompt({ problemStatement: task.problemStatement, hintsText: task.hintsText, path, content }) },
          ],
          temperature: 0,
          maxTokens: settings.judgeMaxAnswerTokens,
        },
        signal: options.signal,
        parse: parseJudgment,
        reaskPrompt,
      });
      if (outcome.status === 'failed') {
        return { path, status: 'failed', cached: false, bytes, failure: outcome.reason, error: outcome.error, ...costFields(outcome) };
      }
      if (settings.cache) {
        const failure = await writeCached(options.storage, key, outcome.value);
        if (failure) options.logger.warn('relevance: could not cache a judgment', { path, error: String(failure) });
      }
      return outcome.value.relevant
        ? { path, status: 'relevant', summary: outcome.value.summary, cached: false, bytes, ...costFields(outcome) }
        : { path, status: 'irrelevant', cached: false, bytes, ...costFields(outcome) };
    },
  };
}
