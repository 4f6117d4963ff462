import { formatValidityMarkdown } from '@codemonkeys/rewards';
import type { RunReport } from './collect-run-report';
import { instanceTable } from './instance-rows';
import { reportRows, runTitles, unknownNote } from './report-rows';

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
  const note = unknownNote(reports);
  if (note) lines.push('', note.replaceAll('<', '&lt;'));
  for (const [index, report] of reports.entries()) {
    lines.push('', `## ${titles[index]!.replaceAll('<', '&lt;')}`, '', `Run \`${report.runId}\` of experiment \`${report.experimentId}\` (${report.experimentName}).`, '');
    lines.push('| stage | plugin | version | protocol | options |', '| --- | --- | --- | --- | --- |');
    for (const plugin of report.plugins)
      lines.push(`| ${plugin.stage} | ${plugin.name} | ${plugin.version} | ${plugin.specificationVersion} | \`${escapeCodeCell(JSON.stringify(plugin.options))}\` |`);
    if (report.instanceLines.length > 0) {
      const instances = instanceTable(report);
      lines.push(
        '',
        `### Instances (${report.instances.done} done, ${report.instances.failed} failed, ${report.instances.partial} partial, ${report.instances.pending} pending)`,
        '',
      );
      lines.push(
        `| ${instances.header.join(' | ')} |`,
        `| ${instances.header.map((_, column) => (column === 0 || column === instances.header.length - 1 ? '---' : '---:')).join(' | ')} |`,
      );
      for (const row of instances.rows) lines.push(`| \`${escapeCodeCell(row[0]!)}\` | ${row.slice(1).map(escapeCell).join(' | ')} |`);
    }
    if (report.scorecard.validity && report.scorecard.validity.length > 0) {
      lines.push('', '### Validity of the pseudo-rewards (ROC-AUC and point-biserial r against resolved)', '', formatValidityMarkdown(report.scorecard.validity).trimEnd());
    }
  }
  return `${lines.join('\n')}\n`;
}
