import type { Usage } from '@codemonkeys/protocol';

export interface Cost {
  calls: number;
  cacheHits: number;
  usage: Usage;
  costUsd: number;
}

/** The judgment of one candidate file. */
export interface FileJudgmentRecord extends Cost {
  path: string;
  /** `skipped`: over maxFileBytes or unreadable; `failed`: see `failure`/`error`. */
  status: 'relevant' | 'irrelevant' | 'failed' | 'skipped';
  summary?: string;
  /** Answered from the judgment cache: no model call. */
  cached: boolean;
  failure?: 'unparseable' | 'endpoint';
  error?: string;
  bytes: number;
}

export interface RankingRecord extends Cost {
  sample: number;
  status: 'ok' | 'failed' | 'cached';
  ranking: string[];
  corrections: Array<{ named: string; path: string; match: string }>;
  dropped: Array<{ named: string; reason: string }>;
  failure?: 'unparseable' | 'endpoint';
  error?: string;
}

export interface RankedFileRecord {
  path: string;
  meanRelativeRank: number;
  listedIn: number;
  /** Tokens of the file as rendered into the context. */
  tokens: number;
  included: boolean;
}

/** The metadata of a relevance localization result. */
export interface RelevanceMetadata {
  plugin: { name: string; version: string };
  promptVersion: string;
  /** `partial`: some judgments failed, or every ranking failed and the files are in path order. */
  status: 'complete' | 'partial';
  judge: { endpoint: string; model: string | undefined };
  ranker: { endpoint: string; model: string | undefined };
  candidates: number;
  counts: { relevant: number; irrelevant: number; failed: number; skipped: number; cached: number };
  judgments: FileJudgmentRecord[];
  rankings: RankingRecord[];
  /** `merged`: mean relative rank of the rankings that succeeded; `path-order`: no ranking succeeded; `single-file`: nothing to rank. */
  order: 'merged' | 'path-order' | 'single-file' | 'none';
  ranked: RankedFileRecord[];
  context: { tokenBudget: number; tokens: number; files: number; filesOverBudget: string[] };
  total: { judge: Cost; ranker: Cost; calls: number; usage: Usage; costUsd: number };
  /** With `output: 'text'`: tokens and lines of the rendered context. */
  rendered?: { tokens: number; lines: number };
}
