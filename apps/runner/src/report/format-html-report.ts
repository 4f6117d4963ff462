import { formatScorecardValue } from '@codemonkeys/rewards';
import { packageMeta } from '../package-meta';
import type { RunReport } from './collect-run-report';
import { reportRows, runTitles, stageTitle } from './report-rows';
import { escapeHtml, groupedBarChart, seriesColors, stackedBarChart } from './svg-charts';

const styles = `
:root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2330; }
body { margin: 0 auto; max-width: 1120px; padding: 24px; background: #fafbfc; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 32px 0 8px; }
p.meta { color: #5b6475; margin: 0 0 16px; font-size: 13px; }
figure { margin: 16px 0; background: #fff; border: 1px solid #e3e6ec; border-radius: 6px; padding: 8px; overflow-x: auto; }
svg text { font-size: 11px; fill: #1d2330; } svg text.title { font-size: 14px; font-weight: 600; }
svg text.tick, svg text.na { fill: #6b7385; } svg text.value { font-size: 10px; fill: #394155; }
svg line.grid { stroke: #eceef2; } svg line.axis { stroke: #9aa1ae; }
table { border-collapse: collapse; background: #fff; font-size: 13px; width: 100%; }
th, td { border: 1px solid #e3e6ec; padding: 4px 8px; text-align: right; vertical-align: top; }
th:first-child, td:first-child { text-align: left; }
tr.section td { background: #f0f3f8; font-weight: 600; text-align: left; }
td.ok { color: #2e7d32; } td.no { color: #c62828; } td.unknown { color: #8a93a3; }
code { font-size: 12px; }
td.options { text-align: left; max-width: 560px; } td.options code { word-break: break-all; white-space: pre-wrap; }
span.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; }
`;

function scorecardTable(reports: readonly RunReport[]): string {
  const titles = runTitles(reports);
  const head = `<tr><th></th>${titles.map((title, index) => `<th><span class="swatch" style="background:${seriesColors[index % seriesColors.length]}"></span>${escapeHtml(title)}</th>`).join('')}</tr>`;
  let section: string | undefined;
  const body: string[] = [];
  for (const row of reportRows(reports)) {
    if (row.section !== section) {
      section = row.section;
      body.push(`<tr class="section"><td colspan="${reports.length + 1}">${escapeHtml(row.section)}</td></tr>`);
    }
    body.push(`<tr><td>${escapeHtml(row.label)}</td>${row.values.map((value) => `<td>${escapeHtml(value)}</td>`).join('')}</tr>`);
  }
  return `<table id="scorecard"><thead>${head}</thead><tbody>${body.join('')}</tbody></table>`;
}

function instanceTable(reports: readonly RunReport[]): string {
  const titles = runTitles(reports);
  const instanceIds = [...new Set(reports.flatMap((report) => report.instanceLines.map((line) => line.instanceId)))];
  const cell = (report: RunReport, instanceId: string): string => {
    const line = report.instanceLines.find((entry) => entry.instanceId === instanceId);
    if (!line) return '<td class="unknown">—</td>';
    if (line.status === 'failed') return `<td class="no" title="${escapeHtml(line.error ?? '')}">failed</td>`;
    if (line.status === 'pending') return '<td class="unknown">pending</td>';
    const candidates = line.candidates === null ? '' : ` · ${line.resolvedCandidates ?? '?'}/${line.candidates} candidates resolved`;
    if (line.resolved === null) return `<td class="unknown">${line.emptyPatch ? 'empty patch' : 'no verdict'}${escapeHtml(candidates)}</td>`;
    return `<td class="${line.resolved ? 'ok' : 'no'}">${line.resolved ? '✓ resolved' : '✗ not resolved'}${escapeHtml(candidates)}</td>`;
  };
  const rows = instanceIds.map((instanceId) => `<tr><td><code>${escapeHtml(instanceId)}</code></td>${reports.map((report) => cell(report, instanceId)).join('')}</tr>`);
  return `<table id="instances"><thead><tr><th>instance</th>${titles.map((title) => `<th>${escapeHtml(title)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function pluginTables(reports: readonly RunReport[]): string {
  const titles = runTitles(reports);
  return reports
    .map((report, index) => {
      const rows = report.plugins
        .map((plugin) => `<tr><td>${escapeHtml(plugin.stage)}</td><td>${escapeHtml(plugin.name)}</td><td>${escapeHtml(plugin.version)}</td><td>${escapeHtml(plugin.specificationVersion)}</td><td class="options"><code>${escapeHtml(JSON.stringify(plugin.options))}</code></td></tr>`)
        .join('');
      return `<h3>${escapeHtml(titles[index]!)}</h3><p class="meta">run <code>${escapeHtml(report.runId)}</code> of experiment <code>${escapeHtml(report.experimentId)}</code> (${escapeHtml(report.experimentName)}), ${escapeHtml(report.status)}</p><table><thead><tr><th>stage</th><th>plugin</th><th>version</th><th>protocol</th><th>options</th></tr></thead><tbody>${rows}</tbody></table>`;
    })
    .join('');
}

/**
 * A self-contained HTML page: charts as inline SVG, styles inline, no script and no request to anything
 * (the icon is an empty data URL), so it opens offline and can be attached to a paper's artifacts.
 */
export function formatHtmlReport(reports: readonly RunReport[], options: { title?: string } = {}): string {
  const titles = runTitles(reports);
  const title = options.title ?? (reports.length === 1 ? `codemonkeys run ${reports[0]!.runId}` : `codemonkeys: ${reports.length} runs side by side`);
  const percent = (value: number) => formatScorecardValue(value, 'percent');
  const scoreMetrics: Array<{ label: string; value: (report: RunReport) => number | null }> = [
    { label: 'gold-line recall', value: (report) => report.scorecard.headline.goldLineRecall },
    { label: 'file recall (all)', value: (report) => report.scorecard.headline.fileRecallAll },
    { label: 'candidates resolved', value: (report) => report.scorecard.headline.candidateResolved },
    { label: 'oracle (any resolved)', value: (report) => report.scorecard.headline.anyResolved },
    { label: 'chosen resolved', value: (report) => report.scorecard.headline.selectionResolved },
    { label: 'random choice', value: (report) => report.scorecard.headline.selectionRandom },
  ];
  const scores = groupedBarChart({
    title: 'Stage scores (pseudo-rewards, higher is better)',
    groups: scoreMetrics.map((metric) => metric.label),
    series: reports.map((report, index) => ({ name: titles[index]!, values: scoreMetrics.map((metric) => metric.value(report)) })),
    max: 1,
    format: percent,
  });
  const cost = groupedBarChart({
    title: 'Model cost per run',
    groups: ['cost (USD)'],
    series: reports.map((report, index) => ({ name: titles[index]!, values: [report.summary.costUsd] })),
    format: (value) => formatScorecardValue(value, 'usd'),
    width: 420,
  });
  const tokens = groupedBarChart({
    title: 'Model tokens per run',
    groups: ['input tokens', 'output tokens'],
    series: reports.map((report, index) => ({ name: titles[index]!, values: [report.summary.usage.inputTokens, report.summary.usage.outputTokens] })),
    format: (value) => (value >= 1e6 ? `${(value / 1e6).toFixed(1)}M` : value >= 1e3 ? `${(value / 1e3).toFixed(1)}k` : String(Math.round(value))),
    width: 420,
  });
  const stages = [...new Set(reports.flatMap((report) => report.stageTimes.map((time) => time.stage)))];
  const time = stackedBarChart({
    title: 'Mean wall time per instance, by stage',
    bars: titles,
    segments: stages.map((stage) => ({ name: stageTitle(stage, reports), values: reports.map((report) => (report.stageTimes.find((entry) => entry.stage === stage)?.meanMs ?? 0) / 1000) })),
    format: (value) => `${value.toFixed(1)} s`,
  });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<style>${styles}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="meta">Generated ${escapeHtml(new Date().toISOString())} by ${escapeHtml(packageMeta.name)} ${escapeHtml(packageMeta.version)}. Pseudo-rewards as defined by @codemonkeys/rewards.</p>
<figure id="chart-scores">${scores}</figure>
<figure id="chart-cost">${cost}${tokens}</figure>
<figure id="chart-time">${time}</figure>
<h2>Scorecard</h2>
${scorecardTable(reports)}
<h2>Instances</h2>
${instanceTable(reports)}
<h2>Plugins</h2>
${pluginTables(reports)}
</body>
</html>
`;
}
