import type { Comparison, PairComparison } from './compare-runs';

/** Unknown is shown as `–` (null in JSON), never 0. */
const unknown = '–';
const percent = (value: number | null): string => (value === null ? unknown : `${(value * 100).toFixed(1)} %`);
const signedPoints = (value: number | null): string => (value === null ? unknown : `${value >= 0 ? '+' : '−'}${Math.abs(value * 100).toFixed(1)}`);
const number = (value: number | null, digits = 3): string => (value === null ? unknown : value.toFixed(digits));
const signed = (value: number | null, digits = 3): string => (value === null ? unknown : `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(digits)}`);
const interval = (low: number | null, high: number | null, format: (value: number | null) => string): string =>
  low === null || high === null ? unknown : `[${format(low)}, ${format(high)}]`;
const pValue = (value: number): string => (value < 0.001 ? value.toExponential(1) : value.toFixed(3));
const integer = (value: number | null): string => (value === null ? unknown : Math.round(value).toLocaleString('en-US'));
const dollars = (value: number | null): string => (value === null ? unknown : `$${value.toFixed(4)}`);

export interface ComparisonSection {
  title: string;
  header: string[];
  rows: string[][];
}

/** The tables of one comparison, shared by the terminal and Markdown formats. */
export function comparisonSections(pair: PairComparison, comparison: Comparison, options: { instanceRows?: number } = {}): ComparisonSection[] {
  const confidence = `${Math.round(comparison.bootstrap.confidence * 100)} % CI`;
  const sections: ComparisonSection[] = [
    {
      title: 'Resolved',
      header: ['figure', pair.a.label, pair.b.label, 'B − A', confidence],
      rows: [
        [
          'resolved rate',
          percent(pair.rateA),
          percent(pair.rateB),
          signedPoints(pair.difference?.value ?? null),
          interval(pair.difference?.low ?? null, pair.difference?.high ?? null, signedPoints),
        ],
        ['resolved', String(pair.table.both + pair.table.onlyA), String(pair.table.both + pair.table.onlyB), '', ''],
      ],
    },
    {
      title: 'Paired outcomes',
      header: ['figure', 'value'],
      rows: [
        ['shared instances', String(pair.sharedInstances)],
        ['paired (both verdicts known)', String(pair.pairedInstances)],
        [`unknown verdict, excluded (${pair.a.label} / ${pair.b.label} / either)`, `${pair.unknownVerdicts.a} / ${pair.unknownVerdicts.b} / ${pair.unknownVerdicts.either}`],
        ['only in one run, not compared (A / B)', `${pair.onlyInA} / ${pair.onlyInB}`],
        ['both resolved', String(pair.table.both)],
        [`${pair.a.label} wins (only A resolved)`, String(pair.table.onlyA)],
        [`${pair.b.label} wins (only B resolved)`, String(pair.table.onlyB)],
        ['neither resolved', String(pair.table.neither)],
        ["McNemar's exact test, two-sided p", pValue(pair.mcnemar.pValue)],
        ...(comparison.correction === 'holm' ? [['Holm-adjusted p', pValue(pair.mcnemar.adjustedPValue)]] : []),
      ],
    },
    {
      title: 'Pseudo-rewards (paired means over instances where both runs have a value)',
      header: ['reward', 'pairs', pair.a.label, pair.b.label, 'B − A', confidence],
      rows: pair.rewards.map((reward) => [
        reward.key,
        String(reward.pairs),
        number(reward.meanA),
        number(reward.meanB),
        signed(reward.difference.value),
        interval(reward.difference.low, reward.difference.high, (value) => signed(value)),
      ]),
    },
    {
      title: 'Cost on the shared instances',
      header: ['run', 'resolved', 'tokens', 'cost', 'tokens per resolved', 'cost per resolved'],
      rows: [pair.cost.a, pair.cost.b].map((cost) => [
        cost.label,
        String(cost.resolved),
        integer(cost.tokens),
        dollars(cost.costUsd),
        integer(cost.tokensPerResolved),
        dollars(cost.costUsdPerResolved),
      ]),
    },
  ];
  const decided = pair.instances.filter((instance) => instance.outcome !== 'tie');
  const limit = options.instanceRows ?? Number.POSITIVE_INFINITY;
  const shown = decided.slice(0, limit);
  const verdict = (value: number | null): string => (value === null ? unknown : value === 1 ? 'resolved' : 'not resolved');
  sections.push({
    title: `Per instance: wins, losses and unknowns (${decided.length}; ties left out${shown.length < decided.length ? `; first ${shown.length} shown` : ''})`,
    header: ['instance', pair.a.label, pair.b.label, 'outcome'],
    rows: shown.map((instance) => [
      instance.instanceId,
      verdict(instance.resolvedA),
      verdict(instance.resolvedB),
      instance.outcome === 'a' ? `${pair.a.label} wins` : instance.outcome === 'b' ? `${pair.b.label} wins` : 'unknown',
    ]),
  });
  return sections;
}

const escapeCell = (text: string): string => text.replaceAll('|', '\\|');

function markdownTable(section: ComparisonSection): string {
  if (section.rows.length === 0) return `### ${section.title}\n\nNone.\n`;
  const lines = [
    `| ${section.header.map(escapeCell).join(' | ')} |`,
    `| ${section.header.map((_, index) => (index === 0 ? '---' : '---:')).join(' | ')} |`,
    ...section.rows.map((row) => `| ${row.map(escapeCell).join(' | ')} |`),
  ];
  return `### ${section.title}\n\n${lines.join('\n')}\n`;
}

function methodNote(comparison: Comparison): string {
  return (
    `Paired on the instances both runs have; instances with an unknown verdict are left out and counted. ` +
    `McNemar's exact test (binomial on the discordant pairs); ${Math.round(comparison.bootstrap.confidence * 100)} % percentile bootstrap over instances ` +
    `(${comparison.bootstrap.samples} resamples, seed ${comparison.bootstrap.seed}). ` +
    (comparison.correction === 'holm'
      ? `${comparison.comparisons.length} comparisons against the baseline ${comparison.baseline.label}: p-values corrected for multiple comparisons with Holm's method.`
      : 'One comparison: no multiple-comparison correction.')
  );
}

export function formatComparisonMarkdown(comparison: Comparison, options: { title?: string } = {}): string {
  const parts = [`# ${options.title ?? `Comparison against ${comparison.baseline.label}`}\n`, `${methodNote(comparison)}\n`];
  for (const pair of comparison.comparisons) {
    parts.push(`## ${pair.b.label} vs ${pair.a.label}\n`, `**${pair.conclusion}**\n`);
    for (const section of comparisonSections(pair, comparison)) parts.push(markdownTable(section));
  }
  return parts.join('\n');
}

function terminalTable(section: ComparisonSection): string {
  if (section.rows.length === 0) return `${section.title}\n  none\n`;
  const widths = section.header.map((cell, index) => Math.max(cell.length, ...section.rows.map((row) => (row[index] ?? '').length)));
  const line = (row: readonly string[]): string =>
    `  ${row.map((cell, index) => (index === 0 ? cell.padEnd(widths[index]!) : cell.padStart(widths[index]!))).join('  ')}`.trimEnd();
  return [section.title, line(section.header), `  ${widths.map((width) => '─'.repeat(width)).join('  ')}`, ...section.rows.map(line)].join('\n') + '\n';
}

export function formatComparisonTerminal(comparison: Comparison): string {
  const parts = [`${methodNote(comparison)}\n`];
  for (const pair of comparison.comparisons) {
    parts.push(`== ${pair.b.label} vs ${pair.a.label} ==\n${pair.conclusion}\n`);
    for (const section of comparisonSections(pair, comparison, { instanceRows: 30 })) parts.push(terminalTable(section));
  }
  return parts.join('\n');
}

/** JSON: every figure, unknown as null; the scatter points stay out (the per-instance table has the outcomes). */
export function formatComparisonJson(comparison: Comparison): string {
  const plain = {
    ...comparison,
    comparisons: comparison.comparisons.map((pair) => ({ ...pair, rewards: pair.rewards.map(({ points: _points, ...reward }) => reward) })),
  };
  return `${JSON.stringify(plain, null, 2)}\n`;
}
