import { formatScorecardValue, scorecardRows } from '@codemonkeys/rewards';
import type { RunReport } from './collect-run-report';

/** One line of the side-by-side table: a figure of every run. */
export interface ReportRow {
  section: 'run' | 'localization' | 'generation' | 'selection' | 'cost' | 'time';
  label: string;
  values: string[];
}

/** The column title of a run: its sweep label, or its id when runs share a label. */
export function runTitles(reports: readonly RunReport[]): string[] {
  const labels = reports.map((report) => report.label);
  return labels.map((label, index) => (labels.indexOf(label) !== labels.lastIndexOf(label) ? reports[index]!.runId : label));
}

const pluginsOf = (report: RunReport, stage: string): string =>
  report.plugins
    .filter((plugin) => plugin.stage === stage || plugin.stage.startsWith(`${stage}.`))
    .map((plugin) => `${plugin.name.replace(/^@codemonkeys\/(?:localizer|generator|selector)-/, '')}@${plugin.version}`)
    .join(' + ') || '—';

/** A stage with the plugin that ran it when the runs agree (`localize.1 (embedding)`), else the stage name. */
export function stageTitle(stage: string, reports: readonly RunReport[]): string {
  const names = new Set(reports.map((report) => report.plugins.find((plugin) => plugin.stage === stage)?.name).filter(Boolean));
  if (stage === 'localize' && reports.some((report) => report.plugins.some((plugin) => plugin.stage === 'localize.0'))) return 'localize (fusion)';
  if (names.size !== 1 || !stage.includes('.')) return stage;
  return `${stage} (${[...names][0]!.replace(/^@codemonkeys\/(?:localizer|generator|selector)-/, '')})`;
}

/**
 * Candidates of a run: counted from its stored generation results (a run with --no-rewards generated
 * them too), else (a code experiment storing no generation stage) from its reward records.
 */
function candidateCount(report: RunReport): number {
  const counted = report.instanceLines.filter((line) => line.candidates !== null);
  return counted.length > 0 ? counted.reduce((sum, line) => sum + line.candidates!, 0) : report.scorecard.stages.generation.samples;
}

/** A duration as the reports print it ('—' for unknown). */
export const seconds = (ms: number | null | undefined): string =>
  ms === null || ms === undefined || !Number.isFinite(ms) ? '—' : ms >= 100_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 1000).toFixed(1)} s`;

/**
 * Figures from SWE-bench verdicts: always shown (as '—' when not known, e.g. without a sandbox) so a
 * reader sees they were not measured; other figures no run has are left out and named by `unmeasuredRows`.
 */
const verdictKeys = new Set<string>(['applied', 'candidateResolved', 'anyResolved', 'selectionResolved', 'selectionRandom', 'selectionOracle', 'selectionNormalized']);

/** Where the candidate verdicts came from: one row of its own (computed / reused), shown when a run ran gold tests in a sandbox. */
const verdictSourceKeys = new Set<string>(['verdictsComputed', 'verdictsReused']);

/** Labels of the scorecard figures no run measured (left out of the rows). */
export function unmeasuredRows(reports: readonly RunReport[]): string[] {
  return scorecardRows
    .filter((row) => row.stage !== 'cost' && !verdictKeys.has(row.key) && !verdictSourceKeys.has(row.key) && reports.every((report) => report.scorecard.headline[row.key] === null))
    .map((row) => row.label);
}

/** The note the formats print under the scorecard when figures are unknown or left out. */
export function unknownNote(reports: readonly RunReport[]): string | undefined {
  const unmeasured = unmeasuredRows(reports);
  const verdictsUnknown = reports.some((report) => !report.verdicts.candidatesKnown || !report.verdicts.chosenKnown);
  if (unmeasured.length === 0 && !verdictsUnknown) return undefined;
  return [
    '— is unknown (not measured), never 0.',
    verdictsUnknown
      ? 'SWE-bench verdicts need a sandbox (--sandbox docker) and gold tests (--gold-tests candidates); without them only empty patches have one (not resolved), so no rate is computed from them.'
      : '',
    unmeasured.length > 0 ? `Not measured in these runs: ${unmeasured.join(', ')}.` : '',
  ]
    .filter(Boolean)
    .join(' ');
}

/**
 * The rows every report format shows, runs side by side: what ran, then the scorecard of
 * `@codemonkeys/rewards` (its labels and number formats), then tokens, cost and time.
 */
export function reportRows(reports: readonly RunReport[]): ReportRow[] {
  const rows: ReportRow[] = [
    { section: 'run', label: 'run id', values: reports.map((report) => report.runId) },
    { section: 'run', label: 'status', values: reports.map((report) => report.status) },
    { section: 'run', label: 'localizer', values: reports.map((report) => pluginsOf(report, 'localize')) },
    { section: 'run', label: 'generator', values: reports.map((report) => pluginsOf(report, 'generate')) },
    { section: 'run', label: 'selector', values: reports.map((report) => pluginsOf(report, 'select')) },
    {
      section: 'run',
      label: 'instances done / failed / partial / total',
      values: reports.map((report) => `${report.instances.done} / ${report.instances.failed} / ${report.instances.partial} / ${report.instances.total}`),
    },
  ];
  let generationStarted = false;
  for (const row of scorecardRows) {
    if (row.stage === 'cost') continue;
    if (row.stage === 'generation' && !generationStarted) {
      generationStarted = true;
      rows.push({ section: 'generation', label: 'candidates', values: reports.map((report) => String(candidateCount(report))) });
    }
    if (verdictSourceKeys.has(row.key)) continue;
    const values = reports.map((report) => report.scorecard.headline[row.key] as number | null);
    if (values.every((value) => value === null) && !verdictKeys.has(row.key)) continue;
    // Shown only when some run reused a localization.
    if (row.key === 'localizationsReused' && values.every((value) => !value)) continue;
    if (row.key === 'applied') {
      rows.push({
        section: 'generation',
        label: 'candidates with a SWE-bench verdict',
        values: reports.map((report) =>
          report.verdicts.candidates === 0
            ? '—'
            : `${report.verdicts.withVerdict} / ${report.verdicts.candidates}${report.verdicts.emptyPatches > 0 ? ` (${report.verdicts.emptyPatches} empty patches)` : ''}`,
        ),
      });
      if (reports.some((report) => report.scorecard.headline.verdictsComputed !== null)) {
        rows.push({
          section: 'generation',
          label: 'SWE-bench verdicts computed / reused (verdict cache)',
          values: reports.map(({ scorecard: { headline } }) =>
            headline.verdictsComputed === null || headline.verdictsReused === null ? '—' : `${headline.verdictsComputed} / ${headline.verdictsReused}`,
          ),
        });
      }
    }
    rows.push({ section: row.stage as ReportRow['section'], label: row.label, values: values.map((value) => formatScorecardValue(value, row.format)) });
  }
  rows.push(
    { section: 'cost', label: 'model calls (cache hits)', values: reports.map((report) => `${report.summary.modelCalls.total} (${report.summary.modelCalls.cacheHits})`) },
    {
      section: 'cost',
      label: 'input / output tokens',
      values: reports.map((report) => `${report.summary.usage.inputTokens.toLocaleString('en-US')} / ${report.summary.usage.outputTokens.toLocaleString('en-US')}`),
    },
    { section: 'cost', label: 'cost', values: reports.map((report) => formatScorecardValue(report.summary.costUsd, 'usd')) },
  );
  const stages = [...new Set(reports.flatMap((report) => report.stageTimes.map((time) => time.stage)))];
  for (const stage of stages) {
    rows.push({
      section: 'time',
      label: `${stageTitle(stage, reports)}, mean per instance`,
      values: reports.map((report) => seconds(report.stageTimes.find((time) => time.stage === stage)?.meanMs)),
    });
  }
  // Reward computations as their own rows: recorded per stage, or one row saying they are unknown.
  const rewardStages = [...new Set(reports.flatMap((report) => report.rewardTimes.map((time) => time.stage)))];
  for (const stage of rewardStages) {
    rows.push({
      section: 'time',
      label: `rewards after ${stageTitle(stage, reports)}, mean per instance`,
      values: reports.map((report) => seconds(report.rewardTimes.find((time) => time.stage === stage)?.meanMs)),
    });
  }
  if (rewardStages.length === 0) rows.push({ section: 'time', label: 'reward computations, mean per instance', values: reports.map(() => '—') });
  if (reports.some((report) => report.goldVerdictTime !== null)) {
    rows.push({
      section: 'time',
      label: 'SWE-bench verdicts of candidates (part of the rewards), mean per instance',
      values: reports.map((report) => (report.goldVerdictTime === null ? '—' : seconds(report.goldVerdictTime.totalMs / report.goldVerdictTime.instances))),
    });
  }
  rows.push({ section: 'time', label: 'wall time (first stage start to last stage end)', values: reports.map((report) => seconds(report.wallTimeMs)) });
  return rows;
}
