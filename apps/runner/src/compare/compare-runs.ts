import type { Estimate } from '@codemonkeys/rewards';
import { holmAdjustedPValues, mcnemarExactPValue, pairedMeanDifference, type PairedBootstrapOptions, type PairedTable } from './paired-statistics';
import type { InstanceValues, RunValues } from './run-instance-values';

/** One instance both runs have: the outcome of each (null: unknown) and who won on it. */
export interface PairedInstance {
  instanceId: string;
  resolvedA: number | null;
  resolvedB: number | null;
  /** `a`/`b`: only that run resolved it; `tie`: both or neither; `unknown`: a verdict is missing. */
  outcome: 'a' | 'b' | 'tie' | 'unknown';
}

/** A pseudo-reward of both runs on the instances where both have a value. */
export interface PairedReward {
  /** `<stage>/<name>`, e.g. `generate/similarity`. */
  key: string;
  pairs: number;
  meanA: number;
  meanB: number;
  /** Mean of B − A with its paired bootstrap interval. */
  difference: Estimate;
  /** The pairs themselves (A, B), for the scatter plot. */
  points: Array<readonly [number, number]>;
}

/** Cost of a run on the shared instances; every figure null when not recorded. */
export interface RunCost {
  runId: string;
  label: string;
  resolved: number;
  tokens: number | null;
  costUsd: number | null;
  tokensPerResolved: number | null;
  costUsdPerResolved: number | null;
}

export interface PairComparison {
  a: { runId: string; label: string };
  b: { runId: string; label: string };
  /** Instances both runs have. */
  sharedInstances: number;
  /** Instances only one run has (not compared). */
  onlyInA: number;
  onlyInB: number;
  /** Shared instances with both verdicts known: the sample every resolved figure is over. */
  pairedInstances: number;
  /** Shared instances left out because a verdict is unknown, by run (an instance may count in both). */
  unknownVerdicts: { a: number; b: number; either: number };
  table: PairedTable;
  rateA: number | null;
  rateB: number | null;
  /** B − A in resolved rate (a fraction), with the paired bootstrap interval. */
  difference: Estimate | null;
  mcnemar: { discordant: number; pValue: number; adjustedPValue: number };
  rewards: PairedReward[];
  cost: { a: RunCost; b: RunCost };
  instances: PairedInstance[];
  /** The plain sentence: what can and cannot be concluded. */
  conclusion: string;
}

export interface Comparison {
  baseline: { runId: string; label: string };
  correction: 'holm' | 'none';
  alpha: number;
  bootstrap: PairedBootstrapOptions;
  comparisons: PairComparison[];
}

export interface CompareOptions {
  samples?: number;
  seed?: number;
  confidence?: number;
  /** Significance level of the conclusions (default 0.05). */
  alpha?: number;
}

const mean = (values: readonly number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;

function costOf(run: RunValues, shared: readonly string[], resolvedIds: ReadonlySet<string>): RunCost {
  let tokens: number | null = null;
  let costUsd: number | null = null;
  for (const instanceId of shared) {
    const values = run.instances.get(instanceId)!;
    if (values.tokens !== null) tokens = (tokens ?? 0) + values.tokens;
    if (values.costUsd !== null) costUsd = (costUsd ?? 0) + values.costUsd;
  }
  const resolved = resolvedIds.size;
  return {
    runId: run.runId,
    label: run.label,
    resolved,
    tokens,
    costUsd,
    tokensPerResolved: tokens === null || resolved === 0 ? null : tokens / resolved,
    costUsdPerResolved: costUsd === null || resolved === 0 ? null : costUsd / resolved,
  };
}

const points = (value: number): string => `${value >= 0 ? '+' : '−'}${Math.abs(value * 100).toFixed(1)}`;
const pointsOrUnknown = (value: number | null): string => (value === null ? '–' : points(value));

/** The sentence a reader can quote, with the reason it says what it says. */
export function concludePair(pair: Omit<PairComparison, 'conclusion'>, alpha: number, confidence: number, corrected: boolean): string {
  const names = `${pair.b.label} − ${pair.a.label}`;
  const excluded = pair.unknownVerdicts.either > 0 ? `; ${pair.unknownVerdicts.either} shared instance(s) with an unknown verdict left out` : '';
  if (pair.pairedInstances === 0 || !pair.difference) return `${names}: no shared instance has a known verdict in both runs; nothing can be concluded${excluded}.`;
  const interval =
    pair.difference.low === null || pair.difference.high === null
      ? 'interval undefined'
      : `${Math.round(confidence * 100)} % CI [${pointsOrUnknown(pair.difference.low)}, ${pointsOrUnknown(pair.difference.high)}]`;
  const p = corrected ? pair.mcnemar.adjustedPValue : pair.mcnemar.pValue;
  const test = `McNemar p = ${p < 0.001 ? p.toExponential(1) : p.toFixed(3)}${corrected ? ' (Holm-adjusted)' : ''}`;
  const head = `${names} = ${points(pair.difference.value)} pts, ${interval}, ${test}, n = ${pair.pairedInstances}`;
  const excludesZero = pair.difference.low !== null && pair.difference.high !== null && (pair.difference.low > 0 || pair.difference.high < 0);
  const significant = p < alpha;
  const better = pair.difference.value > 0 ? pair.b.label : pair.a.label;
  if (significant && excludesZero) return `${head}: ${better} resolves more at this size (the difference is unlikely to be noise at α = ${alpha})${excluded}.`;
  if (significant || excludesZero) return `${head}: borderline, the interval and the test disagree; not a reliable difference at this size, run more instances${excluded}.`;
  return `${head}: not distinguishable at this size; this does not show the runs are equal${excluded}.`;
}

/** Compares run B with run A on the instances both have (unknown verdicts excluded and counted). */
export function comparePair(a: RunValues, b: RunValues, bootstrap: PairedBootstrapOptions): Omit<PairComparison, 'conclusion'> {
  const shared = [...a.instances.keys()].filter((instanceId) => b.instances.has(instanceId)).sort();
  const instances: PairedInstance[] = [];
  const table: PairedTable = { both: 0, onlyA: 0, onlyB: 0, neither: 0 };
  const resolvedPairs: Array<readonly [number, number]> = [];
  const unknownVerdicts = { a: 0, b: 0, either: 0 };
  const resolvedA = new Set<string>();
  const resolvedB = new Set<string>();
  for (const instanceId of shared) {
    const valueA = a.instances.get(instanceId)!.resolved;
    const valueB = b.instances.get(instanceId)!.resolved;
    if (valueA === null) unknownVerdicts.a += 1;
    if (valueB === null) unknownVerdicts.b += 1;
    if (valueA === 1) resolvedA.add(instanceId);
    if (valueB === 1) resolvedB.add(instanceId);
    if (valueA === null || valueB === null) {
      unknownVerdicts.either += 1;
      instances.push({ instanceId, resolvedA: valueA, resolvedB: valueB, outcome: 'unknown' });
      continue;
    }
    const wonA = valueA === 1;
    const wonB = valueB === 1;
    if (wonA && wonB) table.both += 1;
    else if (wonA) table.onlyA += 1;
    else if (wonB) table.onlyB += 1;
    else table.neither += 1;
    resolvedPairs.push([valueA, valueB]);
    instances.push({ instanceId, resolvedA: valueA, resolvedB: valueB, outcome: wonA === wonB ? 'tie' : wonA ? 'a' : 'b' });
  }
  const keys = new Set<string>();
  for (const instanceId of shared) for (const key of a.instances.get(instanceId)!.rewards.keys()) if (b.instances.get(instanceId)!.rewards.has(key)) keys.add(key);
  const rewards: PairedReward[] = [];
  for (const key of [...keys].sort()) {
    const pairs: Array<readonly [number, number]> = [];
    for (const instanceId of shared) {
      const valueA = a.instances.get(instanceId)!.rewards.get(key);
      const valueB = b.instances.get(instanceId)!.rewards.get(key);
      if (valueA !== undefined && valueB !== undefined) pairs.push([valueA, valueB]);
    }
    const difference = pairedMeanDifference(pairs, bootstrap);
    if (!difference) continue;
    rewards.push({ key, pairs: pairs.length, meanA: mean(pairs.map((pair) => pair[0])), meanB: mean(pairs.map((pair) => pair[1])), difference, points: pairs });
  }
  const paired = resolvedPairs.length;
  return {
    a: { runId: a.runId, label: a.label },
    b: { runId: b.runId, label: b.label },
    sharedInstances: shared.length,
    onlyInA: a.instances.size - shared.length,
    onlyInB: b.instances.size - shared.length,
    pairedInstances: paired,
    unknownVerdicts,
    table,
    rateA: paired === 0 ? null : (table.both + table.onlyA) / paired,
    rateB: paired === 0 ? null : (table.both + table.onlyB) / paired,
    difference: pairedMeanDifference(resolvedPairs, bootstrap),
    mcnemar: { discordant: table.onlyA + table.onlyB, pValue: mcnemarExactPValue(table.onlyA, table.onlyB), adjustedPValue: mcnemarExactPValue(table.onlyA, table.onlyB) },
    rewards,
    cost: { a: costOf(a, shared, resolvedA), b: costOf(b, shared, resolvedB) },
    instances,
  };
}

/**
 * Every run against the first (the baseline). With more than one comparison the McNemar p-values are
 * corrected for multiplicity with Holm's method, and the conclusions use the corrected values.
 */
export function compareRuns(runs: readonly RunValues[], options: CompareOptions = {}): Comparison {
  if (runs.length < 2) throw new RangeError('compare needs at least two runs');
  const bootstrap: PairedBootstrapOptions = { samples: options.samples ?? 2000, seed: options.seed ?? 1, confidence: options.confidence ?? 0.95 };
  const alpha = options.alpha ?? 0.05;
  const [baseline, ...others] = runs as [RunValues, ...RunValues[]];
  const pairs = others.map((run) => comparePair(baseline, run, bootstrap));
  const corrected = pairs.length > 1;
  const adjusted = corrected ? holmAdjustedPValues(pairs.map((pair) => pair.mcnemar.pValue)) : pairs.map((pair) => pair.mcnemar.pValue);
  const comparisons = pairs.map((pair, index) => {
    const withAdjusted = { ...pair, mcnemar: { ...pair.mcnemar, adjustedPValue: adjusted[index]! } };
    return { ...withAdjusted, conclusion: concludePair(withAdjusted, alpha, bootstrap.confidence, corrected) };
  });
  return { baseline: { runId: baseline.runId, label: baseline.label }, correction: corrected ? 'holm' : 'none', alpha, bootstrap, comparisons };
}

export type { InstanceValues };
