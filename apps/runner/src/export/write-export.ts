import type { Writable } from 'node:stream';
import type { Instance, SequenceStorage } from '@codemonkeys/protocol';
import { candidatesByInstance } from './candidate-stream';
import { preferenceLines, rewardsLine, sftLine, type PreferenceOptions } from './export-lines';
import type { ExportFormat } from './export-schemas';
import { matchesWhere, type WhereCondition } from './where-filter';

export interface ExportOptions {
  storage: SequenceStorage;
  runIds: readonly string[];
  format: ExportFormat;
  where: readonly WhereCondition[];
  /** Gold data by instance (from `--dataset`), put in `metadata.gold`; absent with `--no-gold`. */
  gold?: ReadonlyMap<string, Instance>;
  preference: PreferenceOptions;
  output: Writable;
}

export interface ExportOutcome {
  format: ExportFormat;
  runs: number;
  instances: number;
  candidates: number;
  /** Candidates the `--where` conditions left out. */
  filteredOut: number;
  /** sft/preference: candidates without a stored conversation (nothing to train on). */
  withoutConversation: number;
  lines: number;
}

/** Writes one line, waiting for the stream to drain when its buffer is full (so memory stays bounded on a slow reader). */
async function writeLine(output: Writable, line: unknown): Promise<void> {
  if (!output.write(`${JSON.stringify(line)}\n`)) await new Promise<void>((resolve) => output.once('drain', resolve));
}

/** Streams the export: one instance's candidates at a time, each line written as soon as it is built. */
export async function writeExport(options: ExportOptions): Promise<ExportOutcome> {
  const outcome: ExportOutcome = { format: options.format, runs: options.runIds.length, instances: 0, candidates: 0, filteredOut: 0, withoutConversation: 0, lines: 0 };
  for await (const all of candidatesByInstance(options.storage, options.runIds, options.gold ? { gold: options.gold } : {})) {
    outcome.instances += 1;
    outcome.candidates += all.length;
    const candidates = all.filter((candidate) => matchesWhere(candidate.metadata, options.where));
    outcome.filteredOut += all.length - candidates.length;
    if (options.format === 'preference') {
      outcome.withoutConversation += candidates.filter((candidate) => candidate.messages.length === 0).length;
      for (const line of preferenceLines(candidates, options.preference)) {
        await writeLine(options.output, line);
        outcome.lines += 1;
      }
      continue;
    }
    for (const candidate of candidates) {
      const line = options.format === 'sft' ? sftLine(candidate) : rewardsLine(candidate);
      if (!line) {
        outcome.withoutConversation += 1;
        continue;
      }
      await writeLine(options.output, line);
      outcome.lines += 1;
    }
  }
  return outcome;
}
