import { createHash } from 'node:crypto';
import { generatedTestKey } from '@codemonkeys/plugin-kit';
import {
  approximateTokenCount,
  silentLogger,
  type GeneratedTest,
  type Instance,
  type InstanceSandbox,
  type LocalizationResult,
  type Logger,
  type Patch,
  type RewardRecord,
  type SequenceStorage,
  type TokenCounter,
  type Workspace,
} from '@codemonkeys/protocol';
import { findEnvironmentSpec, type EnvironmentSpec, type SandboxInstance } from '@codemonkeys/swebench';
import { comparePatches, type PatchComparison } from '../generation/patch-comparison';
import { evaluateGeneratedTest, type GeneratedTestEvaluation } from '../generation/generated-test-evaluation';
import { evaluateGoldTests, type GoldTestVerdict } from '../generation/gold-test-verdict';
import { computeLocalizationRewards, type LocalizationRewards } from '../localization/localization-rewards';
import { FileSizeCache } from '../localization/scanned-files';
import { defaultRewardStages, generationRewardNames, localizationRewardNames, selectionRewardNames, stageCostRewardNames, type RewardStages } from '../reward-names';
import { selectionRewards, type SelectionRewards } from '../selection/selection-rewards';
import { readRewardRecords, storedModelCallCost, type StageCost } from './stage-cost';
import { cachedPending } from './pending-cache';
import { isDefiniteVerdict, verdictCacheKey, verdictCacheKeyParts, type VerdictCache, type VerdictOrigin } from './verdict-cache';

/** Where candidates are run: the runner's `InstanceSandboxProvider` (`@codemonkeys/swebench`) fits. */
export interface RewardSandboxes {
  sandboxFor(instance: SandboxInstance): InstanceSandbox;
}

export interface RewarderOptions {
  /** Where reward records go (and where model calls are read for stage cost). */
  storage: SequenceStorage;
  /** Instance sandboxes for the gold tests and generated tests; without them only static rewards are computed. */
  sandboxes?: RewardSandboxes;
  /** Token counter of context and scanned tokens. Use one fixed tokenizer for every run you compare. Default: core's approximation (4 characters a token). */
  countTokens?: TokenCounter;
  /** Name of that tokenizer, recorded with token rewards (default `approximate-4-characters`). */
  tokenizer?: string;
  /** Stage names of the records (default `localize`, `generate`, `select`). */
  stages?: Partial<RewardStages>;
  /** Run the SWE-bench evaluation of every candidate (default true when sandboxes are given). */
  goldTests?: boolean;
  /** Run generated tests for validity and coverage (default true when sandboxes are given). */
  generatedTests?: boolean;
  /** Limit of a SWE-bench test run (default: the environment spec's). */
  goldTestTimeoutMs?: number;
  /** Limit of one generated-test run (default 2 minutes). */
  generatedTestTimeoutMs?: number;
  /** Extensions of the repository's source files, for compression when a localizer does not say what it scanned. */
  sourceExtensions?: readonly string[];
  /**
   * Keep sandbox rewards already stored for the same (run, instance, stage, sample) and the same
   * candidate diff / tests instead of running them again (default true): a resumed run does not
   * re-evaluate. Infrastructure failures are always retried.
   */
  reuseStored?: boolean;
  /**
   * Verdicts shared with other runs (`createStorageVerdictCache(storage)`: every run and offline rewards
   * of a storage): a candidate whose normalized diff was graded before in the same environment, with the
   * same test data and grader version, takes that verdict (source `cache`) instead of running the tests.
   * Definite verdicts computed here are added to it. Without it, verdicts are shared within this rewarder only.
   */
  verdictCache?: VerdictCache;
  logger?: Logger;
  /** Clock of `createdAt` (tests). */
  now?: () => Date;
}

export interface RewardLocalizationInput {
  runId: string;
  /** The full instance, gold data included: rewards are the only reader of it. */
  instance: Instance;
  result: LocalizationResult;
  /** The repository at the base commit (`context.workspace(id)`): pointers are clamped and rendered through it, scanned files measured. */
  workspace?: Workspace;
  sample?: number;
  /** Wall time of the stage; tokens and cost default to the stored model calls of (run, instance, stage). */
  cost?: StageCost;
}

export interface RewardGenerationInput {
  runId: string;
  instance: Instance;
  candidates: readonly Patch[];
  /** Sample number of each candidate (default its index). */
  samples?: readonly number[];
  /**
   * Verdicts known from elsewhere (true resolved, false not, null/undefined unknown), e.g. the labels
   * of a predictions file: recorded as `resolved` (source `labels`) instead of running the gold tests.
   */
  knownVerdicts?: readonly (boolean | null | undefined)[];
  /** Recorded at the first sample. */
  cost?: StageCost;
  signal?: AbortSignal;
}

export interface RewardSelectionInput {
  runId: string;
  instance: Instance;
  /** The candidates the selector chose from. */
  candidates: readonly Patch[];
  chosen: Patch;
  cost?: StageCost;
  signal?: AbortSignal;
}

export interface CandidateRewards {
  sample: number;
  diffSha256: string;
  comparison: PatchComparison;
  /** The SWE-bench verdict; undefined when not evaluated (no sandbox, gold tests off). */
  verdict?: GoldTestVerdict;
  /**
   * Where the verdict came from: run in the `sandbox` for this candidate, reused from the verdict `cache`
   * (computed by another run, or by another candidate with the same normalized diff), `stored` by an
   * earlier invocation of this run, given by `labels`, or an `empty` patch.
   */
  verdictSource?: 'sandbox' | 'cache' | 'stored' | 'labels' | 'empty';
  /** With `cache`: the run that computed the verdict and when. */
  verdictOrigin?: VerdictOrigin;
  /** Generated tests evaluated (undefined when not run). */
  generatedTests?: GeneratedTestEvaluation[];
  /** Valid tests / tests; null without tests or results. */
  generatedTestValidity: number | null;
  /** Gold statement lines covered by any of the candidate's tests / gold statement lines; null when unknown. */
  generatedTestCoverage: number | null;
}

export interface LocalizationRewardOutcome {
  records: RewardRecord[];
  rewards: LocalizationRewards;
}

export interface GenerationRewardOutcome {
  records: RewardRecord[];
  candidates: CandidateRewards[];
}

export interface SelectionRewardOutcome {
  records: RewardRecord[];
  rewards: SelectionRewards;
  /** Verdict of each candidate (true resolved, null unknown) and of the chosen patch. */
  verdicts: (boolean | null)[];
  chosenVerdict: boolean | null;
}

/**
 * The instrumentation points of a run: the runner calls one method after each stage of each instance.
 * Each computes that stage's rewards from the stage's output and the instance's gold data, writes them
 * as RewardRecords keyed by (run, instance, stage, sample, name) through SequenceStorage (upserts: a
 * resumed run overwrites, never duplicates) and returns them.
 */
export interface Rewarder {
  readonly stages: RewardStages;
  rewardLocalization(input: RewardLocalizationInput): Promise<LocalizationRewardOutcome>;
  rewardGeneration(input: RewardGenerationInput): Promise<GenerationRewardOutcome>;
  rewardSelection(input: RewardSelectionInput): Promise<SelectionRewardOutcome>;
}

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Creates the rewarder of a run (or of several: its caches are keyed by instance and content). */
export function createRewarder(options: RewarderOptions): Rewarder {
  return new StageRewarder(options);
}

type RecordKey = { runId: string; instanceId: string; stage: string; sample: number };

class StageRewarder implements Rewarder {
  readonly stages: RewardStages;
  private readonly countTokens: TokenCounter;
  private readonly tokenizer: string;
  private readonly fileSizes: FileSizeCache;
  private readonly logger: Logger;
  private readonly verdicts = new Map<string, Promise<ComputedVerdict>>();
  private readonly testEvaluations = new Map<string, Promise<GeneratedTestEvaluation>>();

  constructor(private readonly options: RewarderOptions) {
    this.stages = { ...defaultRewardStages, ...options.stages };
    this.countTokens = options.countTokens ?? approximateTokenCount;
    this.tokenizer = options.tokenizer ?? (options.countTokens ? 'custom' : 'approximate-4-characters');
    this.fileSizes = new FileSizeCache(this.countTokens);
    this.logger = options.logger ?? silentLogger;
  }

  private get goldTestsEnabled(): boolean {
    return this.options.sandboxes !== undefined && (this.options.goldTests ?? true);
  }

  private get generatedTestsEnabled(): boolean {
    return this.options.sandboxes !== undefined && (this.options.generatedTests ?? true);
  }

  private record(key: RecordKey, name: string, value: number | null, details: Record<string, unknown> = {}): RewardRecord {
    const createdAt = (this.options.now?.() ?? new Date()).toISOString();
    return { ...key, name, value: value === null || Number.isFinite(value) ? value : null, details, createdAt };
  }

  private async costRecords(key: RecordKey, cost: StageCost | undefined): Promise<RewardRecord[]> {
    const records: RewardRecord[] = [];
    const reused = cost?.reusedFrom ? { reusedFrom: cost.reusedFrom } : {};
    if (cost?.durationMs !== undefined) records.push(this.record(key, stageCostRewardNames.durationMs, cost.durationMs, reused));
    let tokens = cost?.tokens;
    let costUsd = cost?.costUsd;
    let source = cost?.reusedFrom ? `reused from ${cost.reusedFrom.runId}` : 'runner';
    if (tokens === undefined || costUsd === undefined) {
      const stored = await storedModelCallCost(this.options.storage, key).catch((error: unknown) => {
        this.logger.warn(`rewards: cannot read the model calls of ${key.instanceId}/${key.stage}: ${(error as Error).message}`);
        return undefined;
      });
      if (stored) {
        tokens ??= stored.tokens;
        costUsd ??= stored.costUsd;
        source = `model calls (${stored.calls})`;
      }
    }
    if (tokens !== undefined) records.push(this.record(key, stageCostRewardNames.tokens, tokens, { source, ...reused }));
    if (costUsd !== undefined) records.push(this.record(key, stageCostRewardNames.costUsd, costUsd, { source, ...reused }));
    return records;
  }

  async rewardLocalization(input: RewardLocalizationInput): Promise<LocalizationRewardOutcome> {
    const { instance } = input;
    const key: RecordKey = { runId: input.runId, instanceId: instance.instanceId, stage: this.stages.localization, sample: input.sample ?? 0 };
    const rewards = await computeLocalizationRewards({
      result: input.result,
      goldPatch: instance.patch,
      countTokens: this.countTokens,
      fileSizes: this.fileSizes,
      repositoryKey: `${instance.repo}@${instance.baseCommit}`,
      ...(input.workspace ? { workspace: input.workspace } : {}),
      ...(this.options.sourceExtensions ? { sourceExtensions: this.options.sourceExtensions } : {}),
    });
    const names = localizationRewardNames;
    const why = (value: number | null, reason: string): Record<string, unknown> => (value === null ? { reason } : {});
    const records = [
      this.record(key, names.goldLineRecall, rewards.goldLineRecall, {
        goldLines: rewards.goldLines,
        shownGoldLines: rewards.shownGoldLines,
        form: rewards.form,
        ...why(rewards.goldLineRecall, 'the gold patch touches no base-commit line (it only adds files)'),
      }),
      this.record(key, names.fileRecallAll, rewards.fileRecallAll, {
        goldFiles: rewards.goldFiles,
        shownGoldFiles: rewards.shownGoldFiles,
        fileRecall: rewards.fileRecall,
        ...why(rewards.fileRecallAll, 'the gold patch only adds files'),
      }),
      this.record(key, names.fileRecallAny, rewards.fileRecallAny, why(rewards.fileRecallAny, 'the gold patch only adds files')),
      this.record(key, names.contextLines, rewards.contextLines, {
        files: rewards.contextFiles,
        clampedToFiles: rewards.form === 'text' || input.workspace !== undefined,
        missingFiles: rewards.missingFiles.slice(0, 20),
      }),
      this.record(key, names.contextTokens, rewards.contextTokens, { tokenizer: this.tokenizer, ...why(rewards.contextTokens, 'pointers without a workspace cannot be rendered') }),
      this.record(key, names.compressionLines, rewards.compressionLines, {
        scanned: rewards.scanned,
        ...why(rewards.compressionLines, 'unknown scanned lines (no workspace, no metadata.scanned)'),
      }),
      this.record(key, names.compressionTokens, rewards.compressionTokens, {
        scanned: rewards.scanned,
        tokenizer: this.tokenizer,
        ...why(rewards.compressionTokens, 'unknown context or scanned tokens'),
      }),
      this.record(key, names.relevantOverContext, rewards.relevantOverContext, why(rewards.relevantOverContext, 'the context shows no line')),
      ...(await this.costRecords(key, input.cost)),
    ];
    await this.options.storage.putRewards(records);
    return { records, rewards };
  }

  /** The spec evaluation will use (`evaluatePatch`: the instance sandbox's, else the built-in one), undefined when none serves the instance. */
  private specFor(instance: Instance): EnvironmentSpec | undefined {
    const sandbox = this.options.sandboxes!.sandboxFor(instance);
    if ('spec' in sandbox) return (sandbox as { spec: EnvironmentSpec }).spec;
    try {
      return findEnvironmentSpec(instance);
    } catch {
      return undefined;
    }
  }

  /**
   * The verdict of a candidate: the one another caller of this rewarder is computing or computed, else
   * the verdict cache's, else a run of the gold tests in the sandbox (a definite verdict is then cached).
   * `origin` is set when the verdict was not computed for this call.
   */
  private async verdictFor(runId: string, instance: Instance, diff: string, signal: AbortSignal | undefined): Promise<{ verdict: GoldTestVerdict; origin?: VerdictOrigin }> {
    const spec = this.specFor(instance);
    const parts = spec ? verdictCacheKeyParts(instance, spec, diff) : undefined;
    const key = parts ? verdictCacheKey(parts) : `${instance.instanceId}\u0000${sha256(diff)}`;
    let started = false;
    const computed = await cachedPending(
      this.verdicts,
      key,
      async (): Promise<ComputedVerdict> => {
        started = true;
        const cache = parts ? this.options.verdictCache : undefined;
        const hit = parts ? await cache?.get(key, parts) : undefined;
        if (hit) return { verdict: hit.verdict, origin: hit.origin, fromCache: true };
        signal?.throwIfAborted();
        const verdict = await evaluateGoldTests({
          instance,
          diff,
          instanceSandbox: this.options.sandboxes!.sandboxFor(instance),
          ...(this.options.goldTestTimeoutMs !== undefined ? { timeoutMs: this.options.goldTestTimeoutMs } : {}),
        });
        const origin: VerdictOrigin = { runId, createdAt: (this.options.now?.() ?? new Date()).toISOString(), diffSha256: sha256(diff) };
        if (cache && parts && isDefiniteVerdict(verdict)) await cache.put(key, { parts, verdict: verdict as CachedDefiniteVerdict, origin });
        return { verdict, origin, fromCache: false };
      },
      // Failures of the environment are not remembered: the next call tries again.
      (value) => Boolean(value.verdict.infrastructureFailure),
    );
    const reused = computed.fromCache || (!started && isDefiniteVerdict(computed.verdict));
    return reused ? { verdict: computed.verdict, origin: computed.origin } : { verdict: computed.verdict };
  }

  private testEvaluationFor(instance: Instance, test: GeneratedTest, signal: AbortSignal | undefined): Promise<GeneratedTestEvaluation> {
    return cachedPending(this.testEvaluations, `${instance.instanceId}\u0000${generatedTestKey(test)}`, async () => {
      signal?.throwIfAborted();
      return evaluateGeneratedTest({
        goldPatch: instance.patch,
        test,
        instanceSandbox: this.options.sandboxes!.sandboxFor(instance),
        ...(this.options.generatedTestTimeoutMs !== undefined ? { timeoutMs: this.options.generatedTestTimeoutMs } : {}),
      });
    });
  }

  private verdictRecords(key: RecordKey, verdict: GoldTestVerdict, details: Record<string, unknown>): RewardRecord[] {
    const names = generationRewardNames;
    const failure = verdict.infrastructureFailure ? { infrastructureFailure: verdict.infrastructureFailure } : {};
    return [
      this.record(key, names.applied, verdict.applied, { ...details, ...failure }),
      this.record(key, names.resolved, verdict.resolved, {
        ...details,
        ...failure,
        ...(verdict.resolutionStatus ? { resolutionStatus: verdict.resolutionStatus } : {}),
        failing: verdict.failing,
        durationMs: verdict.durationMs,
      }),
      this.record(key, names.failToPass, verdict.failToPass, { ...details, ...failure }),
      this.record(key, names.passToPass, verdict.passToPass, { ...details, ...failure }),
    ];
  }

  async rewardGeneration(input: RewardGenerationInput): Promise<GenerationRewardOutcome> {
    const { instance } = input;
    const stage = this.stages.generation;
    const names = generationRewardNames;
    const reuse = this.options.reuseStored ?? true;
    const stored =
      reuse && (this.goldTestsEnabled || this.generatedTestsEnabled)
        ? await this.storedBySample(input.runId, instance.instanceId, stage)
        : new Map<number, Map<string, RewardRecord>>();
    const outcomes: CandidateRewards[] = [];
    const records: RewardRecord[] = [];

    for (const [index, candidate] of input.candidates.entries()) {
      input.signal?.throwIfAborted();
      const key: RecordKey = { runId: input.runId, instanceId: instance.instanceId, stage, sample: input.samples?.[index] ?? index };
      const diffSha256 = sha256(candidate.diff);
      const comparison = comparePatches(candidate.diff, instance.patch);
      const identity = { diffSha256 };
      const unparseable = comparison.unparseable ? { unparseable: comparison.unparseable } : {};
      records.push(
        this.record(key, names.similarity, comparison.similarity, { ...identity, ...unparseable }),
        this.record(key, names.lineOverlap, comparison.lineOverlap, {
          ...identity,
          ...(comparison.lineOverlap === null ? { reason: 'neither diff touches a base-commit line' } : {}),
        }),
        this.record(key, names.fileOverlap, comparison.fileOverlap, identity),
        this.record(key, names.patchLines, comparison.patchLines, identity),
        this.record(key, names.empty, comparison.empty, identity),
      );
      const outcome: CandidateRewards = { sample: key.sample, diffSha256, comparison, generatedTestValidity: null, generatedTestCoverage: null };
      const previous = stored.get(key.sample);

      // Gold tests: labels, then what is stored for this very diff, then the sandbox.
      const known = input.knownVerdicts?.[index];
      const storedResolved = previous?.get(names.resolved);
      if (known !== undefined && known !== null) {
        const verdict: GoldTestVerdict = { applied: null, resolved: known ? 1 : 0, failToPass: null, passToPass: null, failing: { failToPass: [], passToPass: [] }, durationMs: 0 };
        outcome.verdict = verdict;
        outcome.verdictSource = 'labels';
        records.push(this.record(key, names.resolved, verdict.resolved, { ...identity, source: 'labels' }));
      } else if (comparison.empty === 1 && candidate.diff.trim() === '') {
        const verdict: GoldTestVerdict = { applied: 0, resolved: 0, failToPass: null, passToPass: null, failing: { failToPass: [], passToPass: [] }, durationMs: 0 };
        outcome.verdict = verdict;
        outcome.verdictSource = 'empty';
        records.push(...this.verdictRecords(key, verdict, { ...identity, source: 'empty patch (SWE-bench: not applied, not resolved)' }));
      } else if (
        storedResolved &&
        storedResolved.value !== null &&
        storedResolved.details.diffSha256 === diffSha256 &&
        (storedResolved.details.source === 'sandbox' || storedResolved.details.source === 'cache')
      ) {
        const value = (name: string): number | null => previous?.get(name)?.value ?? null;
        outcome.verdict = {
          applied: value(names.applied),
          resolved: storedResolved.value,
          failToPass: value(names.failToPass),
          passToPass: value(names.passToPass),
          failing: (storedResolved.details.failing as GoldTestVerdict['failing'] | undefined) ?? { failToPass: [], passToPass: [] },
          durationMs: 0,
        };
        outcome.verdictSource = 'stored';
        for (const name of [names.applied, names.resolved, names.failToPass, names.passToPass]) {
          const record = previous?.get(name);
          if (record) records.push(record);
        }
      } else if (this.goldTestsEnabled) {
        const { verdict, origin } = await this.verdictFor(input.runId, instance, candidate.diff, input.signal);
        outcome.verdict = verdict;
        outcome.verdictSource = origin ? 'cache' : 'sandbox';
        if (origin) outcome.verdictOrigin = origin;
        records.push(...this.verdictRecords(key, verdict, { ...identity, source: outcome.verdictSource, ...(origin ? { cachedFrom: origin } : {}) }));
      }

      // Generated tests: validity and coverage of the gold patch's lines.
      const tests = candidate.tests ?? [];
      const testsSha256 = sha256(JSON.stringify(tests.map((test) => generatedTestKey(test))));
      const storedValidity = previous?.get(names.generatedTestValidity);
      const storedCoverage = previous?.get(names.generatedTestCoverage);
      if (tests.length === 0) {
        records.push(
          this.record(key, names.generatedTestValidity, null, { reason: 'the candidate has no generated test' }),
          this.record(key, names.generatedTestCoverage, null, { reason: 'the candidate has no generated test' }),
        );
      } else if (storedValidity && storedCoverage && storedValidity.details.testsSha256 === testsSha256 && storedValidity.details.complete === true) {
        outcome.generatedTestValidity = storedValidity.value;
        outcome.generatedTestCoverage = storedCoverage.value;
        records.push(storedValidity, storedCoverage);
      } else if (this.generatedTestsEnabled) {
        const evaluations: GeneratedTestEvaluation[] = [];
        for (const test of tests) evaluations.push(await this.testEvaluationFor(instance, test, input.signal));
        outcome.generatedTests = evaluations;
        outcome.generatedTestValidity = evaluations.filter((evaluation) => evaluation.valid).length / evaluations.length;
        const coverage = unionCoverage(evaluations);
        outcome.generatedTestCoverage = coverage.value;
        records.push(
          this.record(key, names.generatedTestValidity, outcome.generatedTestValidity, {
            testsSha256,
            complete: true,
            tests: evaluations.map((evaluation) => ({
              key: evaluation.key,
              path: evaluation.path,
              command: evaluation.command,
              valid: evaluation.valid,
              base: { outcome: evaluation.base.outcome, exitCode: evaluation.base.exitCode, output: evaluation.base.output.slice(-500) },
              gold: { outcome: evaluation.gold.outcome, exitCode: evaluation.gold.exitCode, output: evaluation.gold.output.slice(-500) },
            })),
          }),
          this.record(key, names.generatedTestCoverage, coverage.value, { testsSha256, ...coverage.details }),
        );
      } else {
        records.push(
          this.record(key, names.generatedTestValidity, null, { testsSha256, reason: 'generated tests were not run (no sandbox, or turned off)' }),
          this.record(key, names.generatedTestCoverage, null, { testsSha256, reason: 'generated tests were not run (no sandbox, or turned off)' }),
        );
      }
      outcomes.push(outcome);
    }
    const first = input.samples?.[0] ?? 0;
    records.push(...(await this.costRecords({ runId: input.runId, instanceId: instance.instanceId, stage, sample: first }, input.cost)));
    await this.options.storage.putRewards(records);
    return { records, candidates: outcomes };
  }

  async rewardSelection(input: RewardSelectionInput): Promise<SelectionRewardOutcome> {
    const { instance } = input;
    const key: RecordKey = { runId: input.runId, instanceId: instance.instanceId, stage: this.stages.selection, sample: 0 };
    // Verdicts the generation stage stored for this run and instance, by candidate diff.
    const storedByDiff = new Map<string, boolean>();
    for (const record of await readRewardRecords(this.options.storage, {
      runId: input.runId,
      instanceId: instance.instanceId,
      stage: this.stages.generation,
      name: generationRewardNames.resolved,
    })) {
      const diffSha256 = record.details.diffSha256;
      if (typeof diffSha256 === 'string' && record.value !== null) storedByDiff.set(diffSha256, record.value === 1);
    }
    const verdictOf = async (diff: string): Promise<boolean | null> => {
      if (diff.trim() === '') return false;
      const stored = storedByDiff.get(sha256(diff));
      if (stored !== undefined) return stored;
      if (!this.goldTestsEnabled) return null;
      const { verdict } = await this.verdictFor(input.runId, instance, diff, input.signal);
      return verdict.resolved === null ? null : verdict.resolved === 1;
    };
    const verdicts: (boolean | null)[] = [];
    for (const candidate of input.candidates) verdicts.push(await verdictOf(candidate.diff));
    const chosenIndex = input.candidates.findIndex((candidate) => candidate.diff === input.chosen.diff);
    const chosenVerdict = chosenIndex >= 0 ? verdicts[chosenIndex]! : await verdictOf(input.chosen.diff);
    const rewards = selectionRewards(verdicts, chosenVerdict);
    const names = selectionRewardNames;
    const details = { chosenIndex: chosenIndex >= 0 ? chosenIndex : null, chosenDiffSha256: sha256(input.chosen.diff), unknownCandidates: rewards.unknownCandidates };
    const records = [
      this.record(key, names.resolved, rewards.resolved, { ...details, ...(rewards.resolved === null ? { reason: 'the chosen patch has no verdict' } : {}) }),
      this.record(key, names.random, rewards.random, details),
      this.record(key, names.oracle, rewards.oracle, details),
      this.record(key, names.normalized, rewards.normalized, {
        ...details,
        ...(rewards.normalized === null
          ? { reason: rewards.oracle !== null && rewards.oracle === rewards.random ? 'oracle = random: every candidate resolved, or none' : 'a verdict is unknown' }
          : {}),
      }),
      this.record(key, names.candidates, input.candidates.length, { withVerdict: rewards.candidates }),
      ...(await this.costRecords(key, input.cost)),
    ];
    await this.options.storage.putRewards(records);
    return { records, rewards, verdicts, chosenVerdict };
  }

  private async storedBySample(runId: string, instanceId: string, stage: string): Promise<Map<number, Map<string, RewardRecord>>> {
    const bySample = new Map<number, Map<string, RewardRecord>>();
    for (const record of await readRewardRecords(this.options.storage, { runId, instanceId, stage })) {
      const names = bySample.get(record.sample) ?? new Map<string, RewardRecord>();
      names.set(record.name, record);
      bySample.set(record.sample, names);
    }
    return bySample;
  }
}

/** A verdict as the rewarder's own cache keeps it: with the run that computed it, and whether that was a cache hit. */
interface ComputedVerdict {
  verdict: GoldTestVerdict;
  origin: VerdictOrigin;
  fromCache: boolean;
}

type CachedDefiniteVerdict = GoldTestVerdict & { resolved: 0 | 1 };

/** Coverage of the gold statements by any of a candidate's tests. */
function unionCoverage(evaluations: readonly GeneratedTestEvaluation[]): { value: number | null; details: Record<string, unknown> } {
  const usable = evaluations.filter((evaluation) => evaluation.coverage.value !== null || (evaluation.coverage.statements > 0 && !evaluation.coverage.reason));
  if (usable.length === 0) {
    return { value: null, details: { reason: evaluations[0]?.coverage.reason ?? 'no coverage', statements: evaluations[0]?.coverage.statements ?? 0 } };
  }
  const statements = new Set<string>();
  const executed = new Set<string>();
  for (const evaluation of usable) {
    for (const [path, file] of Object.entries(evaluation.coverage.files)) {
      for (const line of file.statements) statements.add(`${path}:${line}`);
      for (const line of file.executed) executed.add(`${path}:${line}`);
    }
  }
  return {
    value: statements.size === 0 ? null : executed.size / statements.size,
    details: {
      statements: statements.size,
      covered: executed.size,
      perTest: evaluations.map((evaluation) => ({
        key: evaluation.key,
        value: evaluation.coverage.value,
        ...(evaluation.coverage.reason ? { reason: evaluation.coverage.reason } : {}),
      })),
      ...(usable[0]?.coverage.coverageVersion ? { coverageVersion: usable[0].coverage.coverageVersion } : {}),
    },
  };
}
