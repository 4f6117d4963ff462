import { normalizedSelectionScore, type SelectionRewards } from '@codemonkeys/rewards';

/** What one instance contributes to the scorecard. */
export interface InstanceSelectionFigures {
  instanceId: string;
  /** Candidates of the pool (invalid ones included). */
  candidates: number;
  /** Per-instance selection rewards from the labels (unknown terms null); undefined when nothing was chosen. */
  rewards?: SelectionRewards;
  /** Candidates resolved per source (true/false/undefined unknown), for the single-source figures. */
  sourceResolved: Record<string, boolean | undefined>;
  /** The selector's own wall time on this instance (ms), tokens and model calls. */
  durationMs: number;
  failed: boolean;
}

export interface SourceFigures {
  source: string;
  from: string;
  /** Instances it has a candidate for / non-empty / not a diff. */
  candidates: number;
  nonEmpty: number;
  invalid: number;
  /** Resolved / instances selected over; null when it has no labels. */
  resolvedRate: number | null;
  resolved: number | null;
  labelsFrom: string | null;
}

/**
 * The scorecard of a selection: resolved rates over every instance selected over (an instance without
 * candidates counts as not resolved for each figure alike), against a random choice among its candidates,
 * the best single source and the oracle (any candidate resolved); the normalized gain
 * (selected − random) / (oracle − random) over the instances where each term is known (DESIGN §4). Rates
 * are null when no label is known; instances whose terms are unknown are counted apart.
 */
export interface SelectionScorecard {
  instances: number;
  instancesWithCandidates: number;
  failedInstances: number;
  /** Instances where the chosen patch, random or oracle is unknown (a candidate without a label). */
  unknownInstances: number;
  selected: number | null;
  random: number | null;
  oracle: number | null;
  normalizedGain: number | null;
  bestSource: { source: string; resolvedRate: number } | null;
  sources: SourceFigures[];
  runtime: {
    /** From the first source read to the last record written. */
    wallTimeMs: number;
    /** Reading the sources (predictions files, stored runs, labels). */
    loadMs: number;
    /** Opening the repository checkouts and sandboxes (0 without a dataset). */
    environmentMs: number;
    /** Sum of the selector's time per instance, and its mean. */
    selectorMs: number;
    selectorMeanMs: number | null;
    /** Model tokens and calls of the selector (0 without a model endpoint: nothing can call one). */
    tokens: { input: number; output: number };
    modelCalls: number;
    costUsd: number;
    /** Instance sandboxes (one container each) handed to the selector; 0 without --sandbox docker. */
    containers: number;
  };
}

export function selectionScorecard(
  figures: readonly InstanceSelectionFigures[],
  sources: readonly Omit<SourceFigures, 'resolvedRate' | 'resolved'>[],
  runtime: SelectionScorecard['runtime'],
): SelectionScorecard {
  const instances = figures.length;
  const withCandidates = figures.filter((figure) => figure.candidates > 0);
  // An instance without candidates: nothing can be resolved, by any selection (0 on every side, known).
  const rewardsOf = (figure: InstanceSelectionFigures): Pick<SelectionRewards, 'resolved' | 'random' | 'oracle'> =>
    figure.candidates === 0 ? { resolved: 0, random: 0, oracle: 0 } : (figure.rewards ?? { resolved: null, random: null, oracle: null });
  const all = figures.map(rewardsOf);
  const known = all.filter((rewards) => rewards.resolved !== null && rewards.random !== null && rewards.oracle !== null);
  const rate = (pick: (rewards: Pick<SelectionRewards, 'resolved' | 'random' | 'oracle'>) => number | null): number | null => {
    const values = all.map(pick);
    if (values.some((value) => value === null) || instances === 0) return null;
    return (values as number[]).reduce((sum, value) => sum + value, 0) / instances;
  };
  const sourceFigures: SourceFigures[] = sources.map((source) => {
    if (source.labelsFrom === null) return { ...source, resolved: null, resolvedRate: null };
    const resolved = figures.filter((figure) => figure.sourceResolved[source.source] === true).length;
    return { ...source, resolved, resolvedRate: instances === 0 ? null : resolved / instances };
  });
  const best = sourceFigures
    .filter((source): source is SourceFigures & { resolvedRate: number } => source.resolvedRate !== null)
    .sort((left, right) => right.resolvedRate - left.resolvedRate || (left.source < right.source ? -1 : 1))[0];
  return {
    instances,
    instancesWithCandidates: withCandidates.length,
    failedInstances: figures.filter((figure) => figure.failed).length,
    unknownInstances: instances - known.length,
    selected: rate((rewards) => rewards.resolved),
    random: rate((rewards) => rewards.random),
    oracle: rate((rewards) => rewards.oracle),
    normalizedGain: known.length === 0 ? null : normalizedSelectionScore(known),
    bestSource: best ? { source: best.source, resolvedRate: best.resolvedRate } : null,
    sources: sourceFigures,
    runtime,
  };
}

const percent = (value: number | null): string => (value === null ? '—' : `${(100 * value).toFixed(1)}%`);
const seconds = (ms: number | null): string => (ms === null ? '—' : `${(ms / 1000).toFixed(2)} s`);

/** The scorecard as Markdown (unknown figures as —). */
export function formatSelectionScorecardMarkdown(scorecard: SelectionScorecard, title: string): string {
  const lines = [`# ${title}`, '', `${scorecard.instances} instances (${scorecard.instancesWithCandidates} with a candidate, ${scorecard.failedInstances} failed)`, ''];
  lines.push('| selection | resolved |', '| --- | ---: |');
  for (const source of scorecard.sources) lines.push(`| ${source.source} alone | ${percent(source.resolvedRate)} |`);
  lines.push(`| random candidate (expected) | ${percent(scorecard.random)} |`);
  lines.push(`| **selected** | **${percent(scorecard.selected)}** |`);
  lines.push(`| oracle (any candidate resolved) | ${percent(scorecard.oracle)} |`);
  lines.push('');
  lines.push(`best single source: ${scorecard.bestSource ? `${scorecard.bestSource.source} (${percent(scorecard.bestSource.resolvedRate)})` : '—'}`);
  lines.push(
    `normalized gain (selected − random) / (oracle − random): ${scorecard.normalizedGain === null ? '—' : scorecard.normalizedGain.toFixed(3)}` +
      (scorecard.unknownInstances > 0 ? ` (over the ${scorecard.instances - scorecard.unknownInstances} instances whose labels are known)` : ''),
  );
  lines.push('');
  lines.push('| source | from | candidates | non-empty | not a diff | labels |', '| --- | --- | ---: | ---: | ---: | --- |');
  for (const source of scorecard.sources)
    lines.push(`| ${source.source} | ${source.from} | ${source.candidates} | ${source.nonEmpty} | ${source.invalid} | ${source.labelsFrom ?? '—'} |`);
  const runtime = scorecard.runtime;
  lines.push('');
  lines.push('| selection cost | value |', '| --- | ---: |');
  lines.push(`| wall time | ${seconds(runtime.wallTimeMs)} |`);
  lines.push(`| reading the sources | ${seconds(runtime.loadMs)} |`);
  lines.push(`| opening checkouts and sandboxes | ${seconds(runtime.environmentMs)} |`);
  lines.push(`| selector time (sum over instances) | ${seconds(runtime.selectorMs)} |`);
  lines.push(`| selector time per instance (mean) | ${runtime.selectorMeanMs === null ? '—' : `${runtime.selectorMeanMs.toFixed(2)} ms`} |`);
  lines.push(`| model tokens (input / output) | ${runtime.tokens.input} / ${runtime.tokens.output} |`);
  lines.push(`| model calls | ${runtime.modelCalls} |`);
  lines.push(`| cost | $${runtime.costUsd.toFixed(4)} |`);
  lines.push(`| containers (instance sandboxes) | ${runtime.containers} |`);
  return `${lines.join('\n')}\n`;
}
