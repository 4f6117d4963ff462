import { formatScorecardValue } from '@codemonkeys/rewards';
import { packageMeta } from '../package-meta';
import type { InstanceLine, RunReport } from './collect-run-report';
import { instanceTable } from './instance-rows';
import { reportRows, runTitles, stageTitle, unknownNote } from './report-rows';
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
table.plugins td, table.plugins th { text-align: left; }
table.instance-detail td.text { text-align: left; }
p.note { color: #5b6475; font-size: 12px; margin: 4px 8px; }
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

/** Every instance, one column per run: the outcome at a glance. */
function instanceOverview(reports: readonly RunReport[]): string {
  const titles = runTitles(reports);
  const instanceIds = [...new Set(reports.flatMap((report) => report.instanceLines.map((line) => line.instanceId)))];
  const cell = (report: RunReport, instanceId: string): string => {
    const line = report.instanceLines.find((entry) => entry.instanceId === instanceId);
    if (!line) return '<td class="unknown">—</td>';
    if (line.status === 'failed') return `<td class="no" title="${escapeHtml(line.error ?? '')}">failed</td>`;
    if (line.status === 'partial')
      return `<td class="no" title="${escapeHtml([line.failureReason, line.error].filter(Boolean).join(': '))}">partial (redone by the same command)</td>`;
    if (line.status === 'pending') return '<td class="unknown">pending</td>';
    const candidates =
      line.candidates === null
        ? ''
        : line.resolvedCandidates === null
          ? ` · ${line.candidates} candidates`
          : ` · ${line.resolvedCandidates}/${line.candidates} candidates resolved`;
    if (line.resolved === null) return `<td class="unknown">${line.emptyPatch ? 'empty patch' : 'no verdict'}${escapeHtml(candidates)}</td>`;
    return `<td class="${line.resolved ? 'ok' : 'no'}">${line.resolved ? '✓ resolved' : '✗ not resolved'}${escapeHtml(candidates)}</td>`;
  };
  const rows = instanceIds.map((instanceId) => `<tr><td><code>${escapeHtml(instanceId)}</code></td>${reports.map((report) => cell(report, instanceId)).join('')}</tr>`);
  return `<table id="instances"><thead><tr><th>instance</th>${titles.map((title) => `<th>${escapeHtml(title)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** Each run's instances in detail: outcome, chosen candidate, verdict, recall, cost, time, failure. */
function instanceDetailTables(reports: readonly RunReport[]): string {
  const titles = runTitles(reports);
  return reports
    .map((report, index) => {
      if (report.instanceLines.length === 0) return '';
      const table = instanceTable(report);
      const classOf = (line: InstanceLine, column: string): string => {
        if (column === 'outcome') return line.status === 'done' ? '' : line.status === 'pending' ? 'unknown' : 'no';
        if (column === 'verdict') return line.resolved === null ? 'unknown' : line.resolved ? 'ok' : 'no';
        return '';
      };
      const rows = table.rows
        .map((row, position) => {
          const line = table.lines[position]!;
          const cells = row.map((cell, column) => {
            const name = table.header[column]!;
            const className = [cell === '—' ? 'unknown' : classOf(line, name), name === 'failure' ? 'text' : ''].filter(Boolean).join(' ');
            const content = column === 0 ? `<code>${escapeHtml(cell)}</code>` : escapeHtml(cell);
            return `<td${className ? ` class="${className}"` : ''}>${content}</td>`;
          });
          return `<tr data-instance="${escapeHtml(line.instanceId)}" data-status="${line.status}">${cells.join('')}</tr>`;
        })
        .join('');
      return `<h3>${escapeHtml(titles[index]!)}</h3><table class="instance-detail" id="instances-${index}"><thead><tr>${table.header.map((title) => `<th>${escapeHtml(title)}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table>`;
    })
    .join('');
}

function pluginTables(reports: readonly RunReport[]): string {
  const titles = runTitles(reports);
  return reports
    .map((report, index) => {
      const rows = report.plugins
        .map(
          (plugin) =>
            `<tr><td>${escapeHtml(plugin.stage)}</td><td>${escapeHtml(plugin.name)}</td><td>${escapeHtml(plugin.version)}</td><td>${escapeHtml(plugin.specificationVersion)}</td><td class="options"><code>${escapeHtml(JSON.stringify(plugin.options))}</code></td></tr>`,
        )
        .join('');
      return `<h3>${escapeHtml(titles[index]!)}</h3><p class="meta">run <code>${escapeHtml(report.runId)}</code> of experiment <code>${escapeHtml(report.experimentId)}</code> (${escapeHtml(report.experimentName)}), ${escapeHtml(report.status)}</p><table class="plugins"><thead><tr><th>stage</th><th>plugin</th><th>version</th><th>protocol</th><th>options</th></tr></thead><tbody>${rows}</tbody></table>`;
    })
    .join('');
}

interface ChartMetric {
  label: string;
  value: (report: RunReport) => number | null;
}

/** The metrics some run has a value for, and the labels of those no run has (shown as a note, not as empty groups). */
function measured(reports: readonly RunReport[], metrics: readonly ChartMetric[]): { shown: ChartMetric[]; missing: string[] } {
  const has = (metric: ChartMetric) =>
    reports.some((report) => {
      const value = metric.value(report);
      return value !== null && Number.isFinite(value);
    });
  return { shown: metrics.filter(has), missing: metrics.filter((metric) => !has(metric)).map((metric) => metric.label) };
}

const notMeasured = (missing: readonly string[]): string =>
  missing.length === 0
    ? ''
    : `<p class="note">Not measured in these runs: ${missing.map(escapeHtml).join(', ')}. SWE-bench verdicts and generated-test runs need a sandbox (<code>--sandbox docker</code>) and gold tests (<code>--gold-tests candidates</code>).</p>`;

const estimate = (value: { value: number; low: number | null; high: number | null } | null): string =>
  value === null ? '—' : `${value.value.toFixed(3)}${value.low === null || value.high === null ? '' : ` [${value.low.toFixed(3)}, ${value.high.toFixed(3)}]`}`;

/** How well each generation pseudo-reward predicts resolution, per run (absent without verdicts). */
function validityTables(reports: readonly RunReport[]): string {
  const titles = runTitles(reports);
  const tables = reports
    .map((report, index) => {
      const validity = report.scorecard.validity ?? [];
      if (validity.length === 0) return '';
      const rows = validity
        .map(
          (entry) =>
            `<tr><td>${escapeHtml(entry.name)}</td><td>${entry.observations}</td><td>${entry.resolved}</td><td>${escapeHtml(estimate(entry.rocAuc))}</td><td>${escapeHtml(estimate(entry.pointBiserial))}</td></tr>`,
        )
        .join('');
      return `<h3>${escapeHtml(titles[index]!)}</h3><table class="validity"><thead><tr><th>pseudo-reward</th><th>candidates</th><th>resolved</th><th>ROC-AUC [95% CI]</th><th>point-biserial r [95% CI]</th></tr></thead><tbody>${rows}</tbody></table>`;
    })
    .filter(Boolean);
  if (tables.length === 0) return '';
  return `<h2>Validity of the pseudo-rewards</h2><p class="meta">How well each pseudo-reward of a candidate predicts its SWE-bench verdict (ROC-AUC, point-biserial r, 95% bootstrap intervals).</p>${tables.join('')}`;
}

/**
 * A self-contained HTML page: charts as inline SVG, styles inline, no script and no request to anything
 * (the icon is an empty data URL), so it opens offline and can be attached to a paper's artifacts.
 */
export function formatHtmlReport(reports: readonly RunReport[], options: { title?: string } = {}): string {
  const titles = runTitles(reports);
  const title = options.title ?? (reports.length === 1 ? `codemonkeys run ${reports[0]!.runId}` : `codemonkeys: ${reports.length} runs side by side`);
  const percent = (value: number) => formatScorecardValue(value, 'percent');
  const headline = (key: keyof RunReport['scorecard']['headline']) => (report: RunReport) => report.scorecard.headline[key] as number | null;
  const scoreMetrics = measured(reports, [
    { label: 'gold-line recall', value: headline('goldLineRecall') },
    { label: 'file recall (all)', value: headline('fileRecallAll') },
    { label: 'file recall (any)', value: headline('fileRecallAny') },
    { label: 'candidates applied', value: headline('applied') },
    { label: 'candidates resolved', value: headline('candidateResolved') },
    { label: 'oracle (any resolved)', value: headline('anyResolved') },
    { label: 'generated tests valid', value: headline('generatedTestValidity') },
    { label: 'gold lines covered by tests', value: headline('generatedTestCoverage') },
    { label: 'chosen resolved', value: headline('selectionResolved') },
    { label: 'random choice', value: headline('selectionRandom') },
  ]);
  const scores = groupedBarChart({
    title: 'Stage scores (pseudo-rewards, higher is better)',
    groups: scoreMetrics.shown.map((metric) => metric.label),
    series: reports.map((report, index) => ({ name: titles[index]!, values: scoreMetrics.shown.map((metric) => metric.value(report)) })),
    max: 1,
    format: percent,
    width: 1040,
  });
  const similarityMetrics = measured(reports, [
    { label: 'similarity (Levenshtein)', value: headline('similarity') },
    { label: 'gold-line overlap', value: headline('lineOverlap') },
    { label: 'gold-file overlap', value: headline('fileOverlap') },
  ]);
  const similarity =
    similarityMetrics.shown.length === 0
      ? ''
      : groupedBarChart({
          title: 'Candidates against the gold patch (mean, 1 = identical)',
          groups: similarityMetrics.shown.map((metric) => metric.label),
          series: reports.map((report, index) => ({ name: titles[index]!, values: similarityMetrics.shown.map((metric) => metric.value(report)) })),
          max: 1,
          format: (value) => formatScorecardValue(value, 'ratio'),
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
    title: 'Mean time per instance in each stage',
    bars: titles,
    segments: stages.map((stage) => ({
      name: stageTitle(stage, reports),
      values: reports.map((report) => (report.stageTimes.find((entry) => entry.stage === stage)?.meanMs ?? 0) / 1000),
    })),
    format: (value) => `${value.toFixed(1)} s`,
  });
  const fused = stages.some((stage) => /^localize\.\d+$/.test(stage));
  const note = unknownNote(reports);
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
<figure id="chart-scores">${scores}${notMeasured(scoreMetrics.missing)}</figure>
${similarity ? `<figure id="chart-similarity">${similarity}</figure>` : ''}
<figure id="chart-cost">${cost}${tokens}<p class="note">A call answered from the response cache (e.g. one that another run of the same experiment made first) costs nothing.</p></figure>
<figure id="chart-time">${time}<p class="note">Stage times exclude the reward computations.${fused ? ' The localizers of a fusion run at the same time, so a bar can be longer than the instance took.' : ''}</p></figure>
<h2>Scorecard</h2>
${scorecardTable(reports)}
${note ? `<p class="note" id="unknown-note">${escapeHtml(note)}</p>` : ''}
${validityTables(reports)}
<h2>Instances</h2>
${instanceOverview(reports)}
<h2>Instances of each run</h2>
${instanceDetailTables(reports)}
<h2>Plugins</h2>
${pluginTables(reports)}
</body>
</html>
`;
}
