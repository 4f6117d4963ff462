import type { RunStatus, StageStatus } from './records';

/** Common to every query: newest or oldest first, a page size, and the cursor of the previous page. */
export interface PageRequest {
  order?: 'asc' | 'desc';
  /** Page size, 1 to 1000; defaults to 100. */
  limit?: number;
  /** `nextCursor` of the previous page. Cursors are opaque and valid for the same query only. */
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  /** Present when more items follow. */
  nextCursor?: string;
}

/** Inclusive lower and exclusive upper bound on the record's time field (ISO strings). */
export interface TimeRange {
  since?: string;
  until?: string;
}

/** Runs, ordered by createdAt. */
export interface RunQuery extends PageRequest, TimeRange {
  experimentId?: string;
  status?: RunStatus;
}

/** Stage results, ordered by (instanceId, stage, sample) or by finishedAt when a time range is given. */
export interface StageResultQuery extends PageRequest, TimeRange {
  runId: string;
  instanceId?: string;
  stage?: string;
  status?: StageStatus;
}

export interface RewardQuery extends PageRequest {
  runId: string;
  instanceId?: string;
  stage?: string;
  name?: string;
}

/** Model calls, ordered by (createdAt, id). */
export interface ModelCallQuery extends PageRequest, TimeRange {
  experimentId?: string;
  runId?: string;
  instanceId?: string;
  stage?: string;
  model?: string;
  status?: 'ok' | 'error';
}

export interface MessageLogQuery extends PageRequest {
  runId: string;
  instanceId?: string;
  stage?: string;
}

/** Work states of a run, ordered by (instanceId, key): what a resumed run reads to continue. */
export interface WorkStateQuery extends PageRequest {
  runId: string;
  instanceId?: string;
}

/**
 * Counts and totals of a run, computed by the backend without reading every record into memory.
 * `instances` counts the distinct instances with at least one stage result; `costUsd` is rounded to
 * 1e-9 dollars so that every backend reports the same figure whatever order it adds in.
 */
export interface RunSummary {
  runId: string;
  instances: number;
  stageResults: { total: number; ok: number; failed: number; skipped: number; byStage: Record<string, { ok: number; failed: number; skipped: number }> };
  modelCalls: { total: number; errors: number; cacheHits: number };
  usage: { inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number };
  costUsd: number;
}
