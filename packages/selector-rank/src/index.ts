import { rankPlugin } from './rank-plugin';

export default rankPlugin;
export { rankPlugin };
export { packageMeta } from './package-meta';
export { createRankSelector, type RankSelectionMetadata } from './rank-selector';
export { RankOptionsSchema, rankModes, type RankOptions, type RankOptionsInput } from './rank-options';
export { InvalidChoiceError, parseChoice } from './choice-parser';
export { promptVersion } from './prompts/rank-prompts';
export type { Contender } from './contenders';
export type { ModelTestRun } from './conversation';
export type { TournamentMatch } from './tournament';
