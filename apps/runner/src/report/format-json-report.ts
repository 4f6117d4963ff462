import { packageMeta } from '../package-meta';
import type { RunReport } from './collect-run-report';

/** The report for machines: every run's report (scorecard, plugins, summary, per-instance lines). */
export function formatJsonReport(reports: readonly RunReport[]): string {
  return `${JSON.stringify({ schemaVersion: 1, generatedBy: packageMeta, generatedAt: new Date().toISOString(), runs: reports }, null, 2)}\n`;
}
