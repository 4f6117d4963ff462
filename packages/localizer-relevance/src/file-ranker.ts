import { distance } from 'fastest-levenshtein';
import { askAndParse, createRepositoryPathResolver, emptyExchangeCost } from '@codemonkeys/plugin-kit';
import { withCallLabels, type Logger, type ModelClient, type SequenceStorage, type Task } from '@codemonkeys/protocol';
import { promptVersion } from './prompts/prompt-version';
import { rankingPrompt, rankingSystemPrompt } from './prompts/ranking-prompt';
import { parseRanking } from './ranking-answer';
import { CachedRankingSchema, rankingCacheKey, readCached, writeCached } from './relevance-cache';
import type { RankingRecord } from './relevance-metadata';
import type { RelevanceOptions } from './relevance-options';
import { reaskPrompt } from './prompts/reask-prompt';

/**
 * Asks the ranker for `rankings` orderings of the relevant files, concurrently, each call labelled with
 * its sample index (so the response cache and the call records tell them apart). Each ranking is
 * parsed (re-asked once when unusable); a failed one is a record, never a throw.
 */
export async function runRankings(options: {
  task: Task;
  files: ReadonlyArray<{ path: string; tokens: number; summary: string }>;
  model: ModelClient;
  settings: RelevanceOptions;
  storage: SequenceStorage;
  logger: Logger;
  signal: AbortSignal;
}): Promise<RankingRecord[]> {
  const { settings, task } = options;
  const temperature = settings.rankingTemperature ?? (settings.rankings > 1 ? 0.7 : 0);
  const modelName = settings.rankerModel ?? options.model.defaultModel ?? options.model.endpoint;
  const system = rankingSystemPrompt({ tokenBudget: settings.tokenBudget, targetTokens: settings.targetTokens ?? Math.floor(settings.tokenBudget / 2) });
  const prompt = rankingPrompt({ problemStatement: task.problemStatement, hintsText: task.hintsText, files: options.files });
  const resolver = createRepositoryPathResolver(
    options.files.map((file) => file.path),
    { distance },
  );

  return Promise.all(
    Array.from({ length: settings.rankings }, (_, sample) =>
      withCallLabels({ sample }, async (): Promise<RankingRecord> => {
        const key = rankingCacheKey({ promptVersion, model: modelName, prompt: `${system}\n${prompt}`, sample, temperature });
        if (settings.cache) {
          const cached = await readCached(options.storage, key, CachedRankingSchema);
          // A cached ranking is used only when every path in it is still a relevant file.
          if (cached && cached.ranking.every((path) => options.files.some((file) => file.path === path))) {
            return { sample, status: 'cached', ranking: cached.ranking, corrections: [], dropped: [], ...emptyExchangeCost() };
          }
        }
        const outcome = await askAndParse({
          model: options.model,
          request: {
            ...(settings.rankerModel ? { model: settings.rankerModel } : {}),
            messages: [
              { role: 'system', content: system },
              { role: 'user', content: prompt },
            ],
            temperature,
            maxTokens: settings.rankerMaxAnswerTokens,
          },
          callOptions: { sample },
          signal: options.signal,
          reaskPrompt,
          parse: (answer) => parseRanking(answer, resolver),
        });
        const cost = { calls: outcome.calls, cacheHits: outcome.cacheHits, usage: outcome.usage, costUsd: outcome.costUsd };
        if (outcome.status === 'failed') {
          options.logger.warn('relevance: a ranking failed', { sample, error: outcome.error });
          return { sample, status: 'failed', ranking: [], corrections: [], dropped: [], failure: outcome.reason, error: outcome.error, ...cost };
        }
        if (settings.cache) {
          const failure = await writeCached(options.storage, key, { ranking: outcome.value.ranking });
          if (failure) options.logger.warn('relevance: could not cache a ranking', { sample, error: String(failure) });
        }
        return { sample, status: 'ok', ...outcome.value, ...cost };
      }),
    ),
  );
}
