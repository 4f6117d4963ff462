import { formatValidityMarkdown } from '@codemonkeys/rewards';
import type { RunReport } from './collect-run-report';
import { reportRows, runTitles } from './report-rows';

// GitHub renders inline HTML in a cell: `<` becomes an entity, except inside code spans (where entities show as typed).
const escapeCell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ').replaceAll('<', '&lt;');
const escapeCodeCell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

/** The scorecard as Markdown: runs side by side, then each run's plugins and the validity of its pseudo-rewards. */
export function formatMarkdownReport(reports: readonly RunReport[], options: { title?: string } = {}): string {
  const titles = runTitles(reports);
  const lines = [`# ${options.title ?? (reports.length === 1 ? `Run ${reports[0]!.runId}` : `${reports.length} runs side by side`)}`, ''];
  lines.push(`| | ${titles.map(escapeCell).join(' | ')} |`, `| --- | ${titles.map(() => '---:').join(' | ')} |`);
  let section: string | undefined;
  for (const row of reportRows(reports)) {
    if (row.section !== section) {
      section = row.section;
      lines.push(`| **${row.section}** | ${titles.map(() => '').join(' | ')} |`);
    }
    lines.push(`| ${escapeCell(row.label)} | ${row.values.map(escapeCell).join(' | ')} |`);
  }
  for (const [index, report] of reports.entries()) {
    lines.push('', `## ${titles[index]!.replaceAll('<', '&lt;')}`, '', `Run \`${report.runId}\` of experiment \`${report.experimentId}\` (${report.experimentName}).`, '');
    lines.push('| stage | plugin | version | protocol | options |', '| --- | --- | --- | --- | --- |');
    for (const plugin of report.plugins) lines.push(`| ${plugin.stage} | ${plugin.name} | ${plugin.version} | ${plugin.specificationVersion} | \`${escapeCodeCell(JSON.stringify(plugin.options))}\` |`);
    const failures = report.instanceLines.filter((line) => line.status === 'failed');
    if (failures.length > 0) {
      lines.push('', `Failed instances (${failures.length}):`, '');
      for (const line of failures.slice(0, 20)) lines.push(`- \`${line.instanceId}\`: ${escapeCell(line.error ?? 'failed')}`);
      if (failures.length > 20) lines.push(`- … and ${failures.length - 20} more (\`codemonkeys report --format json\` lists every one)`);
    }
    if (report.scorecard.validity && report.scorecard.validity.length > 0) {
      lines.push('', '### Validity of the pseudo-rewards (ROC-AUC and point-biserial r against resolved)', '', formatValidityMarkdown(report.scorecard.validity).trimEnd());
    }
  }
  return `${lines.join('\n')}\n`;
}
