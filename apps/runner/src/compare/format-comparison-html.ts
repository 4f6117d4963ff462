import { packageMeta } from '../package-meta';
import { escapeHtml, stackedBarChart } from '../report/svg-charts';
import type { Comparison, PairComparison } from './compare-runs';
import { comparisonSections } from './format-comparison';
import { pairedScatterChart } from './paired-scatter-chart';

const styles = `
:root { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2330; }
body { margin: 0 auto; max-width: 1120px; padding: 24px; background: #fafbfc; }
h1 { font-size: 24px; } h2 { font-size: 18px; margin-top: 32px; } h3 { font-size: 15px; }
p.conclusion { font-weight: 600; } p.meta { color: #5b6475; font-size: 13px; }
figure { margin: 16px 0; background: #fff; border: 1px solid #e3e6ec; border-radius: 6px; padding: 8px; overflow-x: auto; display: inline-block; }
svg text { font-size: 11px; fill: #1d2330; } svg text.title { font-size: 14px; font-weight: 600; } svg text.tick { fill: #6b7385; }
svg line.grid { stroke: #eceef2; } svg line.axis { stroke: #9aa1ae; }
table { border-collapse: collapse; background: #fff; font-size: 13px; }
th, td { border: 1px solid #e3e6ec; padding: 4px 8px; text-align: right; } th:first-child, td:first-child { text-align: left; }
`;

/** The pseudo-reward shown in the scatter: similarity to gold when both runs have it, else the first one with pairs. */
const scatterReward = (pair: PairComparison) => pair.rewards.find((reward) => reward.key === 'generate/similarity') ?? pair.rewards[0];

function pairSection(pair: PairComparison, comparison: Comparison): string {
  const parts = [`<h2>${escapeHtml(pair.b.label)} vs ${escapeHtml(pair.a.label)}</h2>`, `<p class="conclusion">${escapeHtml(pair.conclusion)}</p>`];
  const reward = scatterReward(pair);
  if (reward) parts.push(`<figure>${pairedScatterChart({ title: `${reward.key}: per instance`, xLabel: pair.a.label, yLabel: pair.b.label, points: reward.points })}</figure>`);
  for (const section of comparisonSections(pair, comparison)) {
    parts.push(`<h3>${escapeHtml(section.title)}</h3>`);
    if (section.rows.length === 0) {
      parts.push('<p class="meta">None.</p>');
      continue;
    }
    parts.push(
      `<table><tr>${section.header.map((cell) => `<th>${escapeHtml(cell)}</th>`).join('')}</tr>${section.rows
        .map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`)
        .join('')}</table>`,
    );
  }
  return parts.join('\n');
}

/** A self-contained page (inline SVG, no script, no network): the win/loss bar of every pair, then each pair in full. */
export function formatComparisonHtml(comparison: Comparison, options: { title?: string } = {}): string {
  const title = options.title ?? `Comparison against ${comparison.baseline.label}`;
  const winLoss = stackedBarChart({
    title: 'Paired outcomes on resolved (instances)',
    bars: comparison.comparisons.map((pair) => `${pair.b.label} vs ${pair.a.label}`),
    segments: [
      { name: 'baseline wins', values: comparison.comparisons.map((pair) => pair.table.onlyA) },
      { name: 'ties', values: comparison.comparisons.map((pair) => pair.table.both + pair.table.neither) },
      { name: 'challenger wins', values: comparison.comparisons.map((pair) => pair.table.onlyB) },
      { name: 'unknown (excluded)', values: comparison.comparisons.map((pair) => pair.unknownVerdicts.either) },
    ],
    format: (value) => String(Math.round(value)),
  });
  const correction = comparison.correction === 'holm' ? "p-values corrected for multiple comparisons with Holm's method" : 'one comparison, no multiple-comparison correction';
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${styles}</style></head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="meta">codemonkeys ${escapeHtml(packageMeta.version)} · McNemar's exact test · ${Math.round(comparison.bootstrap.confidence * 100)} % paired bootstrap over instances (${comparison.bootstrap.samples} resamples, seed ${comparison.bootstrap.seed}) · ${correction}</p>
<figure>${winLoss}</figure>
${comparison.comparisons.map((pair) => pairSection(pair, comparison)).join('\n')}
</body>
</html>
`;
}
