import type { Estimate } from '../validity/bootstrap';
import type { RewardValidity } from '../validity/reward-validity';
import type { Scorecard, ScorecardHeadline } from './scorecard';

type Format = 'ratio' | 'percent' | 'count' | 'usd' | 'ms';

/** The rows of the headline table: key, label, how to print it. */
export const scorecardRows: readonly { key: keyof ScorecardHeadline; stage: string; label: string; format: Format }[] = [
  { key: 'goldLineRecall', stage: 'localization', label: 'gold-line recall', format: 'percent' },
  { key: 'fileRecallAll', stage: 'localization', label: 'file recall (all gold files shown)', format: 'percent' },
  { key: 'fileRecallAny', stage: 'localization', label: 'file recall (any gold file shown)', format: 'percent' },
  { key: 'contextTokens', stage: 'localization', label: 'context tokens (mean)', format: 'count' },
  { key: 'contextLines', stage: 'localization', label: 'context lines (mean)', format: 'count' },
  { key: 'compressionTokens', stage: 'localization', label: 'compression, tokens (context / scanned)', format: 'ratio' },
  { key: 'compressionLines', stage: 'localization', label: 'compression, lines (context / scanned)', format: 'ratio' },
  { key: 'relevantOverContext', stage: 'localization', label: 'relevant lines / context lines', format: 'ratio' },
  { key: 'localizationsReused', stage: 'localization', label: 'localizations reused from an earlier run (nothing spent)', format: 'count' },
  { key: 'applied', stage: 'generation', label: 'candidates applied', format: 'percent' },
  { key: 'candidateResolved', stage: 'generation', label: 'candidates resolved', format: 'percent' },
  { key: 'anyResolved', stage: 'generation', label: 'instances with a resolved candidate (oracle)', format: 'percent' },
  { key: 'similarity', stage: 'generation', label: 'similarity to gold (Levenshtein)', format: 'ratio' },
  { key: 'lineOverlap', stage: 'generation', label: 'gold-line overlap (Jaccard)', format: 'ratio' },
  { key: 'fileOverlap', stage: 'generation', label: 'gold-file overlap (Jaccard)', format: 'ratio' },
  { key: 'patchLines', stage: 'generation', label: 'changed lines per candidate (mean)', format: 'count' },
  { key: 'empty', stage: 'generation', label: 'empty candidates', format: 'percent' },
  { key: 'generatedTestValidity', stage: 'generation', label: 'generated tests valid', format: 'percent' },
  { key: 'generatedTestCoverage', stage: 'generation', label: 'gold lines covered by generated tests', format: 'percent' },
  { key: 'verdictsComputed', stage: 'generation', label: 'SWE-bench verdicts computed in the sandbox', format: 'count' },
  { key: 'verdictsReused', stage: 'generation', label: 'SWE-bench verdicts reused from the verdict cache', format: 'count' },
  { key: 'selectionResolved', stage: 'selection', label: 'chosen patch resolved', format: 'percent' },
  { key: 'selectionRandom', stage: 'selection', label: 'random choice (expected)', format: 'percent' },
  { key: 'selectionOracle', stage: 'selection', label: 'oracle (any candidate resolved)', format: 'percent' },
  { key: 'selectionNormalized', stage: 'selection', label: 'normalized (score − random) / (oracle − random)', format: 'ratio' },
  { key: 'tokens', stage: 'cost', label: 'model tokens', format: 'count' },
  { key: 'costUsd', stage: 'cost', label: 'cost', format: 'usd' },
];

/** One figure as the scorecard prints it ('—' for unknown). */
export function formatScorecardValue(value: number | null | undefined, format: Format): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  switch (format) {
    case 'percent':
      return `${(value * 100).toFixed(1)}%`;
    case 'ratio':
      return value.toFixed(3);
    case 'count':
      return Math.abs(value) >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1).replace(/\.0$/, '');
    case 'usd':
      return `$${value.toFixed(4)}`;
    case 'ms':
      return `${(value / 1000).toFixed(1)} s`;
  }
}

const escapeCell = (text: string): string => text.replaceAll('|', '\\|');

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [
    `| ${header.map(escapeCell).join(' | ')} |`,
    `| ${header.map((_, index) => (index === 0 ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(escapeCell).join(' | ')} |`),
  ].join('\n');
}

const formatEstimate = (estimate: Estimate | null): string =>
  estimate === null ? '—' : `${estimate.value.toFixed(3)}${estimate.low === null || estimate.high === null ? '' : ` [${estimate.low.toFixed(3)}, ${estimate.high.toFixed(3)}]`}`;

/** The validity table of one run: ROC-AUC and point-biserial r with 95% bootstrap intervals. */
export function formatValidityMarkdown(validity: readonly RewardValidity[]): string {
  return table(
    ['pseudo-reward', 'candidates', 'resolved', 'ROC-AUC [95% CI]', 'point-biserial r [95% CI]'],
    validity.map((entry) => [entry.name, String(entry.observations), String(entry.resolved), formatEstimate(entry.rocAuc), formatEstimate(entry.pointBiserial)]),
  );
}

/**
 * Scorecards as Markdown: one column per run (side by side when several), the headline rows that have a
 * value in some run, stage wall times, then each run's validity table.
 */
export function formatScorecardMarkdown(scorecards: Scorecard | readonly Scorecard[]): string {
  const cards = Array.isArray(scorecards) ? (scorecards as readonly Scorecard[]) : [scorecards as Scorecard];
  const rows: string[][] = [['instances', '', ...cards.map((card) => String(card.instances))]];
  rows.push(['candidates', 'generation', ...cards.map((card) => String(card.stages.generation.samples))]);
  for (const row of scorecardRows) {
    const values = cards.map((card) => card.headline[row.key] as number | null);
    if (values.every((value) => value === null) || (row.stage === 'cost' && values.every((value) => value === 0))) continue;
    rows.push([row.label, row.stage, ...values.map((value) => formatScorecardValue(value, row.format))]);
  }
  const stageNames = [...new Set(cards.flatMap((card) => Object.keys(card.headline.durationMs)))].filter((name) => name !== 'total');
  for (const stage of stageNames) rows.push([`wall time, ${stage}`, 'cost', ...cards.map((card) => formatScorecardValue(card.headline.durationMs[stage], 'ms'))]);
  const parts = [`## Scorecard${cards.length === 1 ? `: ${cards[0]!.runId}` : ''}`, '', table(['', 'stage', ...cards.map((card) => card.runId)], rows)];
  for (const card of cards) {
    if (!card.validity || card.validity.length === 0) continue;
    parts.push('', `### Validity of the pseudo-rewards${cards.length > 1 ? `: ${card.runId}` : ''}`, '', formatValidityMarkdown(card.validity));
  }
  return `${parts.join('\n')}\n`;
}
