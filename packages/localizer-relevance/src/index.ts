import { relevancePlugin } from './relevance-plugin';

export default relevancePlugin;
export { relevancePlugin };
export { packageMeta } from './package-meta';
export { RelevanceLocalizer, createRelevanceLocalizer } from './relevance-localizer';
export { RelevanceOptionsSchema, type RelevanceOptions, type RelevanceOptionsInput } from './relevance-options';
export type { Cost, FileJudgmentRecord, RankedFileRecord, RankingRecord, RelevanceMetadata } from './relevance-metadata';
export { RelevanceLocalizationError } from './relevance-localization-error';
export { mergeRankings, type MergedRank } from './merge-rankings';
export { judgmentCacheKey, rankingCacheKey } from './relevance-cache';
export { promptVersion } from './prompts/prompt-version';
// Shared with the other localizers through core; exported here as before.
export { documentationPatterns, testFilePatterns } from '@codemonkeys/plugin-kit';
export { UnparseableAnswerError } from '@codemonkeys/protocol';
