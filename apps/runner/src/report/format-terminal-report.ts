import Table from 'cli-table3';
import pc from 'picocolors';
import type { RunReport } from './collect-run-report';
import { instanceTable, troubledFirst } from './instance-rows';
import { reportRows, runTitles, unknownNote } from './report-rows';

/** Instances listed per run in the terminal (the unfinished ones first). */
const terminalInstanceLimit = 50;

const sectionTitles: Record<string, string> = {
  run: 'run',
  localization: 'localization',
  generation: 'generation',
  selection: 'selection',
  cost: 'cost',
  time: 'time',
};

/** The scorecard as a terminal table: one column per run, sections as separator rows. */
export function formatTerminalReport(reports: readonly RunReport[], options: { color?: boolean } = {}): string {
  const colors = pc.createColors(options.color ?? false);
  const table = new Table({
    head: ['', ...runTitles(reports)].map((title) => colors.bold(title)),
    style: { head: [], border: [], compact: true },
    wordWrap: true,
  });
  let section: string | undefined;
  for (const row of reportRows(reports)) {
    if (row.section !== section) {
      section = row.section;
      table.push([{ colSpan: reports.length + 1, content: colors.cyan(sectionTitles[row.section] ?? row.section) }]);
    }
    table.push([row.label, ...row.values]);
  }
  const note = unknownNote(reports);
  const parts = [table.toString(), ...(note ? [colors.dim(note)] : [])];
  // Each run's instances under the scorecard, the unfinished ones first; the other formats list every one.
  const titles = runTitles(reports);
  for (const [index, report] of reports.entries()) {
    if (report.instanceLines.length === 0) continue;
    const { table: shown, omitted } = troubledFirst(instanceTable(report), terminalInstanceLimit);
    const instances = new Table({ head: shown.header.map((title) => colors.bold(title)), style: { head: [], border: [], compact: true }, wordWrap: true });
    for (const [row, line] of shown.rows.map((cells, position) => [cells, shown.lines[position]!] as const)) {
      const paint = line.status === 'failed' ? colors.red : line.status === 'partial' ? colors.yellow : (text: string) => text;
      instances.push(row.map((cell) => paint(cell)));
    }
    parts.push(
      '',
      colors.cyan(
        `instances of ${titles[index]}: ${report.instances.done} done, ${report.instances.failed} failed, ${report.instances.partial} partial, ${report.instances.pending} pending`,
      ),
      instances.toString(),
    );
    if (omitted > 0) parts.push(`… and ${omitted} more done instance(s) (--format markdown, json or html lists every one)`);
  }
  return `${parts.join('\n')}\n`;
}
