import type { Usage } from '@codemonkeys/protocol';
import type { RepositoryPathMatch } from '@codemonkeys/plugin-kit';

/** Cost of one level (or the whole run). */
export interface LevelCost {
  calls: number;
  cacheHits: number;
  usage: Usage;
  costUsd: number;
}

/** What happened at one level: `ok`, `failed` (see `error`/`failure`), or `skipped` (depth or nothing to work on). */
export interface LevelRecord extends LevelCost {
  status: 'ok' | 'failed' | 'skipped';
  /** `unparseable` (two answers that could not be used), `endpoint` (a call failed), `prompt-too-long`. */
  failure?: 'unparseable' | 'endpoint' | 'prompt-too-long';
  error?: string;
  /** The raw answers of a failed level, cut to 2,000 characters each, to see what the model said. */
  failedAnswers?: string[];
}

export interface PathCorrection {
  named: string;
  path: string;
  match: Exclude<RepositoryPathMatch, 'exact'>;
}

export interface NamedElementRecord {
  path: string;
  kind: 'class' | 'function' | 'variable' | 'lines';
  name: string;
  /** The element it was matched to, when not by its exact name. */
  matchedAs?: string;
  startLine: number;
  endLine: number;
}

export interface DroppedName {
  /** The line or path the model wrote. */
  named: string;
  reason: string;
}

export interface FileLevelRecord extends LevelRecord {
  /** Source files shown in the tree. */
  treeFiles: number;
  treeTokens: number;
  /** The files chosen, most suspicious first. */
  files: string[];
  corrections: PathCorrection[];
  dropped: DroppedName[];
}

export interface IrrelevantFoldersRecord extends LevelRecord {
  folders: string[];
  /** Files left out of the tree because of them. */
  prunedFiles: number;
  dropped: DroppedName[];
}

export interface ElementLevelRecord extends LevelRecord {
  elements: NamedElementRecord[];
  /** Files whose skeletons were left out because the prompt did not fit. */
  filesOverBudget: string[];
  /** Files shown whole because the workspace has no skeleton for them. */
  filesWithoutSkeleton: string[];
  corrections: PathCorrection[];
  dropped: DroppedName[];
}

export interface EditSampleRecord extends LevelCost {
  sample: number;
  status: 'ok' | 'failed';
  failure?: 'unparseable' | 'endpoint';
  error?: string;
  spans: Array<{ path: string; startLine: number; endLine: number; symbol?: string }>;
  dropped: DroppedName[];
}

export interface EditLevelRecord extends LevelRecord {
  temperature: number;
  promptTokens: number;
  /** Element spans left out of the code shown because the prompt budget was spent. */
  spansOverBudget: number;
  samples: EditSampleRecord[];
}

/** The metadata of an agentless localization result. */
export interface AgentlessMetadata {
  plugin: { name: string; version: string };
  promptVersion: string;
  /** `complete`: every level asked for ran; `partial`: a level failed and an earlier level's findings were returned; `failed`: nothing was found. */
  status: 'complete' | 'partial' | 'failed';
  /** The level whose findings are returned (`none` when level 1 found nothing). */
  resultLevel: 'files' | 'elements' | 'lines' | 'none';
  model: string | undefined;
  endpoint: string;
  levels: {
    irrelevantFolders?: IrrelevantFoldersRecord;
    files: FileLevelRecord;
    elements?: ElementLevelRecord;
    lines?: EditLevelRecord;
  };
  total: LevelCost;
  /** With `output: 'text'`: tokens and lines of the rendered context. */
  rendered?: { tokens: number; lines: number; omitted: number };
}
