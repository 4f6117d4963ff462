import Table from 'cli-table3';
import pc from 'picocolors';
import type { RunReport } from './collect-run-report';
import { reportRows, runTitles } from './report-rows';

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
  return `${table.toString()}\n`;
}
