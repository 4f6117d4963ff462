import fs from 'node:fs/promises';
import path from 'node:path';
import {
  createInMemorySequenceStorage,
  instantiatePlugin,
  NotFoundError,
  silentLogger,
  UnsupportedCapabilityError,
  type Patch,
  type PluginContext,
  type SelectorV1,
  type Task,
  type Workspace,
} from '@codemonkeys/protocol';
import { createInMemoryWorkspace } from '@codemonkeys/protocol/testkit';
import { loadDataset, loadPredictions } from '@codemonkeys/swebench';
import { toTask } from '@codemonkeys/protocol';
import { normalizeDiffText, normalizedKeyOf, votePlugin, type VoteOptionsInput, type VoteSelectionMetadata } from '../src/index';
import { pathsOfDiff } from '../src/diff-files';
import { loadBaseTexts } from './codebase-content';

/** One system's predictions with the instances it resolved (the `*.resolved.json` beside them). */
export interface SystemPredictions {
  system: string;
  patches: Map<string, string>;
  resolved: Set<string>;
  /** Every instance id the labels cover (resolved, unresolved, empty, no prediction). */
  instanceIds: string[];
}

/** The candidates of one instance: one per system that has a row for it (an empty patch is a candidate). */
export interface EnsembleInstance {
  instanceId: string;
  candidates: Array<{ system: string; diff: string; resolved: boolean }>;
}

export async function loadSystem(directory: string, system: string): Promise<SystemPredictions> {
  const predictions = await loadPredictions(path.join(directory, `${system}.jsonl`));
  const labels = JSON.parse(await fs.readFile(path.join(directory, `${system}.resolved.json`), 'utf8')) as Record<string, unknown>;
  const list = (name: string): string[] => (Array.isArray(labels[name]) ? (labels[name] as string[]) : []);
  return {
    system,
    patches: new Map(predictions.map((prediction) => [prediction.instance_id, prediction.model_patch ?? ''])),
    resolved: new Set(list('resolved')),
    instanceIds: [...list('resolved'), ...list('unresolved_with_patch'), ...list('empty_patch'), ...list('no_prediction')],
  };
}

/** Candidates per instance over several systems (CodeMonkeys' "Barrel of Monkeys" ensemble), systems in the order given. */
export function ensembleOf(systems: readonly SystemPredictions[]): EnsembleInstance[] {
  const ids = [...new Set(systems.flatMap((system) => system.instanceIds))].sort();
  return ids.map((instanceId) => ({
    instanceId,
    candidates: systems
      .filter((system) => system.patches.has(instanceId))
      .map((system) => ({ system: system.system, diff: system.patches.get(instanceId)!, resolved: system.resolved.has(instanceId) })),
  }));
}

/** Returns the base-commit workspace of an instance, or undefined when there is none. */
export type WorkspaceLookup = (instanceId: string) => Workspace | undefined;

/**
 * A plugin context with nothing behind it but storage: no repository, no sandbox, no model. The vote
 * with `normalization: 'text'` and `checkApplies: false` needs nothing else, which is the point: it runs
 * on bare predictions files. `workspaceOf` gives some instances their base-commit files.
 */
export function bareContext(workspaceOf: WorkspaceLookup = () => undefined, taskOf: (instanceId: string) => Task | undefined = () => undefined): PluginContext {
  const refuse = (what: string) => () => {
    throw new UnsupportedCapabilityError({ capability: what, provider: 'The bare predictions context', hint: 'It serves selection over predictions files only.' });
  };
  return {
    task: async (instanceId) => {
      const task = taskOf(instanceId);
      if (!task) throw new NotFoundError(`No task for ${instanceId} in the bare context.`);
      return task;
    },
    workspace: async (instanceId) => workspaceOf(instanceId) ?? refuse('workspace')(),
    model: {
      specificationVersion: 'v1',
      endpoint: 'none',
      defaultModel: undefined,
      chat: refuse('model'),
      embed: refuse('model'),
      countTokens: (text) => Math.ceil(text.length / 4),
    },
    modelFor: () => bareContext().model,
    sandbox: () => undefined,
    storage: createInMemorySequenceStorage(),
    logger: silentLogger,
    signal: new AbortController().signal,
    hypers: {},
    experimentId: 'predictions-ensemble',
    runId: 'predictions-ensemble',
  };
}

/** The textual patch vote of the first measurements (kept for the figures before the modes). */
export async function textualVoteSelector(workspaceOf?: WorkspaceLookup): Promise<SelectorV1> {
  return instantiatePlugin(votePlugin, { mode: 'patch-vote', normalization: 'text', checkApplies: false, testVote: false }, bareContext(workspaceOf));
}

/** The vote with the given options on bare predictions (no repository, no sandbox), tasks (the issue text) when given. */
export async function voteSelectorOf(options: VoteOptionsInput, taskOf?: (instanceId: string) => Task | undefined): Promise<SelectorV1> {
  return instantiatePlugin(votePlugin, { normalization: 'text', ...options }, bareContext(undefined, taskOf));
}

/** The gold-free tasks (issue texts) of a dataset file, by instance id: what the issue tie-breaks read. */
export async function tasksOf(datasetFile: string): Promise<(instanceId: string) => Task | undefined> {
  const tasks = new Map((await loadDataset(datasetFile)).map((instance) => [instance.instanceId, toTask(instance)]));
  return (instanceId) => tasks.get(instanceId);
}

/**
 * Base-commit workspaces from the shared data's `codebase-content-lite/` (54 Lite instances, Python
 * files only) holding the files the candidates change; other instances have none.
 */
export async function baseCommitWorkspaces(
  dataDirectory: string,
  ensemble: readonly EnsembleInstance[],
): Promise<{ workspaceOf: WorkspaceLookup; baseTextOf: (instanceId: string) => ((path: string) => string | undefined) | undefined; instanceIds: string[] }> {
  const wanted = new Map(ensemble.map((instance) => [instance.instanceId, [...new Set(instance.candidates.flatMap((candidate) => pathsOfDiff(candidate.diff)))]]));
  const texts = await loadBaseTexts(dataDirectory, wanted);
  const workspaces = new Map([...texts].map(([instanceId, files]) => [instanceId, createInMemoryWorkspace({ instanceId, files: Object.fromEntries(files) })]));
  return {
    workspaceOf: (instanceId) => workspaces.get(instanceId),
    baseTextOf: (instanceId) => {
      const files = texts.get(instanceId);
      return files ? (path) => files.get(path) : undefined;
    },
    instanceIds: [...workspaces.keys()].sort(),
  };
}

export interface NoChangeCandidate {
  instanceId: string;
  system: string;
  resolved: boolean;
}

/** Candidates with a non-empty diff that the textual normalization reads as changing nothing (`baseText` per instance when given). */
export function noChangeCandidates(
  ensemble: readonly EnsembleInstance[],
  baseTextOf?: (instanceId: string) => ((path: string) => string | undefined) | undefined,
): NoChangeCandidate[] {
  const found: NoChangeCandidate[] = [];
  for (const instance of ensemble) {
    const baseText = baseTextOf?.(instance.instanceId);
    for (const candidate of instance.candidates) {
      if (candidate.diff.trim() === '') continue;
      if (normalizedKeyOf(normalizeDiffText(candidate.diff, baseText ? { baseText } : {}).files) === '')
        found.push({ instanceId: instance.instanceId, system: candidate.system, resolved: candidate.resolved });
    }
  }
  return found;
}

export interface EnsembleScore {
  instances: number;
  /** Instances with at least one candidate. */
  withCandidates: number;
  vote: number;
  /** Expected resolved rate of a uniformly random candidate (empty patches included). */
  random: number;
  /** The same over non-empty candidates only (an instance with none counts 0). */
  randomNonEmpty: number;
  oracle: number;
  /** (vote − random) / (oracle − random), DESIGN §4. */
  normalized: number;
  /** Instances where the winning group had two or more members (a real majority), and how many of those were resolved. */
  majorities: number;
  majoritiesResolved: number;
  perSystem: Record<string, number>;
  /** The best single system's resolved rate. */
  bestSystem: number;
  /** Instances resolved by the choice (the count behind `vote`). */
  resolved: number;
}

/** Runs the vote on every instance; resolved rates are over all instances (no candidate = unresolved). */
export async function scoreVote(ensemble: readonly EnsembleInstance[], selector: SelectorV1, systems: readonly string[]): Promise<EnsembleScore> {
  let vote = 0;
  let random = 0;
  let randomNonEmpty = 0;
  let oracle = 0;
  let withCandidates = 0;
  let majorities = 0;
  let majoritiesResolved = 0;
  const perSystem: Record<string, number> = Object.fromEntries(systems.map((system) => [system, 0]));
  for (const instance of ensemble) {
    const { candidates } = instance;
    for (const candidate of candidates) if (candidate.resolved) perSystem[candidate.system] = (perSystem[candidate.system] ?? 0) + 1;
    if (candidates.length === 0) continue;
    withCandidates += 1;
    const patches: Patch[] = candidates.map((candidate) => ({ instanceId: instance.instanceId, diff: candidate.diff, metadata: { system: candidate.system } }));
    const chosen = await selector.run(patches, instance.instanceId);
    const selection = chosen.metadata.selection as VoteSelectionMetadata;
    const winner = candidates[selection.chosen]!;
    if (winner.resolved) vote += 1;
    if ((selection.groups[0]?.members.length ?? 0) >= 2 && selection.groups[0]!.eligible) {
      majorities += 1;
      if (winner.resolved) majoritiesResolved += 1;
    }
    random += candidates.filter((candidate) => candidate.resolved).length / candidates.length;
    const nonEmpty = candidates.filter((candidate) => candidate.diff.trim() !== '');
    if (nonEmpty.length > 0) randomNonEmpty += nonEmpty.filter((candidate) => candidate.resolved).length / nonEmpty.length;
    if (candidates.some((candidate) => candidate.resolved)) oracle += 1;
  }
  const n = ensemble.length;
  const rate = (count: number): number => count / n;
  return {
    instances: n,
    withCandidates,
    vote: rate(vote),
    random: rate(random),
    randomNonEmpty: rate(randomNonEmpty),
    oracle: rate(oracle),
    normalized: oracle === random ? 0 : (vote - random) / (oracle - random),
    majorities,
    majoritiesResolved,
    perSystem: Object.fromEntries(Object.entries(perSystem).map(([system, count]) => [system, rate(count)])),
    bestSystem: rate(Math.max(...Object.values(perSystem))),
    resolved: vote,
  };
}

/** Every ordering of a list (for the order-averaged vote: ties go to the first seen). */
export function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, index) => permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]));
}
