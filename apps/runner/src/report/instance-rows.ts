import { formatScorecardValue } from '@codemonkeys/rewards';
import type { InstanceLine, RunReport } from './collect-run-report';
import { seconds } from './report-rows';

/** The per-instance table of one run, as text cells every format prints ('—' for unknown). */
export interface InstanceTable {
  header: string[];
  rows: string[][];
  /** The instance lines of `rows`, in the same order. */
  lines: InstanceLine[];
}

const outcomeOf = (line: InstanceLine): string => line.status;

const chosenOf = (line: InstanceLine): string => {
  if (line.chosenSample !== null) return `#${line.chosenSample}${line.candidates === null ? '' : ` of ${line.candidates}`}`;
  // The selector wrote a patch of its own instead of choosing a candidate.
  if (line.chosenIsCandidate === false) return 'not a candidate';
  return '—';
};

const verdictOf = (line: InstanceLine): string => {
  if (line.resolved === null) return '—';
  if (line.resolved) return 'resolved';
  return line.emptyPatch ? 'not resolved (empty patch)' : 'not resolved';
};

const failureOf = (line: InstanceLine): string => [line.failureReason, line.error].filter(Boolean).join(': ');

/**
 * One row per instance of a run: outcome, the chosen candidate (its stored sample number, from 0),
 * the chosen patch's SWE-bench verdict, gold-line recall of the localization, cost, stage time, reward
 * time (a column only when recorded for some instance) and the failure. Unknown reads '—'.
 */
export function instanceTable(report: RunReport): InstanceTable {
  const withRewardTime = report.instanceLines.some((line) => line.rewardTimeMs !== null);
  const header = ['instance', 'outcome', 'chosen', 'verdict', 'gold-line recall', 'cost', 'time', ...(withRewardTime ? ['reward time'] : []), 'failure'];
  const rows = report.instanceLines.map((line) => [
    line.instanceId,
    outcomeOf(line),
    chosenOf(line),
    verdictOf(line),
    formatScorecardValue(line.goldLineRecall, 'percent'),
    formatScorecardValue(line.costUsd, 'usd'),
    seconds(line.stageTimeMs),
    ...(withRewardTime ? [seconds(line.rewardTimeMs)] : []),
    failureOf(line),
  ]);
  return { header, rows, lines: [...report.instanceLines] };
}

/** At most `limit` rows, the instances that are not done first (in their order), then the done ones. */
export function troubledFirst(table: InstanceTable, limit: number): { table: InstanceTable; omitted: number } {
  const order = table.lines.map((line, index) => ({ line, index })).sort((a, b) => Number(a.line.status === 'done') - Number(b.line.status === 'done') || a.index - b.index);
  const kept = order.slice(0, limit);
  return { table: { header: table.header, rows: kept.map((entry) => table.rows[entry.index]!), lines: kept.map((entry) => entry.line) }, omitted: order.length - kept.length };
}
