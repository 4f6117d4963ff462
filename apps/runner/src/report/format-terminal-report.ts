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
  // Failures under the table, a few per run: the table only counts them.
  const titles = runTitles(reports);
  const failures: string[] = [];
  for (const [index, report] of reports.entries()) {
    const failed = report.instanceLines.filter((line) => line.status === 'failed');
    if (failed.length === 0) continue;
    failures.push(colors.red(`${titles[index]}: ${failed.length} failed instance(s)`));
    for (const line of failed.slice(0, 5)) failures.push(`  ${line.instanceId}: ${line.error ?? 'failed'}`);
    if (failed.length > 5) failures.push(`  … and ${failed.length - 5} more (--format markdown or json lists them)`);
  }
  return `${table.toString()}\n${failures.length > 0 ? `${failures.join('\n')}\n` : ''}`;
}
