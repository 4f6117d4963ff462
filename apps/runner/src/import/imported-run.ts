import type { GeneratedTest, LocalizationResult, Message, Usage } from '@codemonkeys/protocol';

/** The formats `codemonkeys import` reads. */
export type ImportFormat = 'swebench-submission' | 'swe-agent-trajectory' | 'codemonkeys-trajectory-store';

/** Where a record came from: kept on every record an import writes (stage results' metadata, rewards' details, message logs' run). */
export interface Provenance {
  format: ImportFormat;
  /** The folder, archive or file given to `codemonkeys import`, as given. */
  source: string;
  /** The file inside it the record was read from (relative to the source; the source itself for a single file). */
  file: string;
  /** 1-based line of a JSONL file. */
  line?: number;
  /** The identifiers the original format used (instance id, model name, sample index, ...). */
  originalIds: Record<string, string | number>;
  /** The file the verdict was read from, when it is not `file`. */
  verdictFile?: string;
  /** The trajectory file of the candidate, when the format has one beside it. */
  trajectory?: string;
}

/** One candidate patch of an imported instance. */
export interface ImportedCandidate {
  diff: string;
  /** The official verdict (true resolved, false not, null unknown): recorded as the `resolved` reward with source `labels`. */
  verdict: boolean | null;
  /** The conversation that produced the candidate, when the format keeps it. */
  messages: Message[];
  /** Token usage, when the format records it (null: unknown, never 0). */
  usage: Usage | null;
  costUsd: number | null;
  provenance: Provenance;
  /** The candidate's reproduction test, when the format has one (never run on import). */
  tests?: GeneratedTest[];
  /** A second conversation of the sample (CodeMonkeys' testing state machine), logged as stage `generate-tests`. */
  testMessages?: Message[];
  /** Rewards the format computed itself (e.g. CodeMonkeys' generated-test matrix), recorded beside the pseudo-rewards. */
  extraRewards?: Array<{ name: string; value: number | null; details: Record<string, unknown> }>;
}

export interface ImportedInstance {
  instanceId: string;
  /** A localization the format records (CodeMonkeys' relevance and ranking), else none. */
  localization?: { result: LocalizationResult; provenance: Provenance; messages: Message[]; sizesKnown: boolean };
  candidates: ImportedCandidate[];
  /** Index of the candidate the original system submitted (null: it chose none). */
  chosen: number | null;
  /** The selector's conversation, when the format keeps it (logged as stage `select`). */
  selection?: { messages: Message[]; provenance: Provenance };
  provenance: Provenance;
}

/** Everything an import read, validated, before anything is written. */
export interface ImportedRun {
  format: ImportFormat;
  source: string;
  /** The system's name (the run's label). */
  system: string;
  /** sha256 over the content read: the run id and the no-op check of a second import derive from it. */
  digest: string;
  instances: ImportedInstance[];
}
