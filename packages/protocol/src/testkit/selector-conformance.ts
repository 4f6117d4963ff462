import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Instance } from '../instance/v1/instance';
import { PatchSchema, type Patch } from '../patch/v1/patch';
import type { PluginContext } from '../plugin/v1/plugin-context';
import type { SelectorV1 } from '../selector/v1/selector';
import { goldNeedlesOf, leakedGold, stringsIn } from './gold-leaks';

/** What one conformance run needs: the selector, its context, candidates of one instance, and the model requests it made. */
export interface SelectorConformanceSetup {
  /** The selector under test, created on `context`. */
  selector: SelectorV1;
  /** The context the selector was created with; the suite reads the instance's workspace and task through it. */
  context: PluginContext;
  /**
   * The instance the candidates are for, WITH its gold data: the suite uses it only to check that none of
   * it reached a model request.
   */
  instance: Instance;
  /** At least two distinct candidates of the instance, at least one of them non-empty. */
  candidates: Patch[];
  /**
   * Every model request the selector made, as recorded outside the plugin (e.g. the loopback server's
   * `requests`). Leave it out only for a selector that calls no model.
   */
  requests?(): readonly unknown[];
  /** Closes what the factory opened. */
  cleanup?(): Promise<void>;
}

export interface SelectorConformanceFactory {
  /** Builds a fresh setup; called once per suite. Script the model (if any) so that every selection can succeed. */
  create(): Promise<SelectorConformanceSetup>;
}

const copyOf = (patch: Patch): Patch => JSON.parse(JSON.stringify(patch)) as Patch;

/**
 * The suite every Selector passes, run once per setup:
 * - the chosen patch validates against `PatchSchema`, keeps the instance id, and its diff is one of the
 *   candidates' diffs (a selector picks, it never writes a patch);
 * - one candidate is returned as it is; all-empty candidates give an empty diff; duplicated candidates
 *   still give one of them; an empty candidate list is refused with an error;
 * - the candidates passed in are not modified;
 * - metadata survives a JSON round trip unchanged;
 * - no gold data (lines the gold or test patch adds, FAIL_TO_PASS names) appears in any model request,
 *   apart from text the candidates themselves contain (a candidate may be the gold patch).
 *
 * ```ts
 * runSelectorConformance('rank', { create: async () => ({ selector, context, instance, candidates, requests: () => server.requests }) });
 * ```
 */
export function runSelectorConformance(name: string, factory: SelectorConformanceFactory): void {
  describe(`Selector conformance: ${name}`, () => {
    let setup: SelectorConformanceSetup;
    const chosen = new Map<string, Patch>();
    const errors = new Map<string, unknown>();
    const scenarios = (): Record<'all' | 'one' | 'allEmpty' | 'duplicates', Patch[]> => {
      const { candidates, instance } = setup;
      const empty = (index: number): Patch => ({ instanceId: instance.instanceId, diff: '', metadata: { sample: index } });
      return {
        all: candidates.map(copyOf),
        one: [copyOf(candidates.find((candidate) => candidate.diff.trim() !== '') ?? candidates[0]!)],
        allEmpty: [empty(0), empty(1), empty(2)],
        duplicates: [...candidates, ...candidates].map(copyOf),
      };
    };

    beforeAll(async () => {
      setup = await factory.create();
      expect(setup.candidates.length, 'the factory must give at least two candidates').toBeGreaterThanOrEqual(2);
      expect(
        setup.candidates.some((candidate) => candidate.diff.trim() !== ''),
        'the factory must give a non-empty candidate',
      ).toBe(true);
      for (const [scenario, patches] of Object.entries(scenarios())) {
        try {
          chosen.set(scenario, await setup.selector.run(patches, setup.instance.instanceId));
        } catch (error) {
          errors.set(scenario, error);
        }
      }
    }, 600_000);

    afterAll(async () => {
      await setup?.cleanup?.();
    });

    const result = (scenario: string): Patch => {
      if (errors.has(scenario)) throw errors.get(scenario);
      return chosen.get(scenario)!;
    };

    it('declares specificationVersion v1 and returns a Patch of the same instance whose diff is one of the candidates', () => {
      expect(setup.selector.specificationVersion).toBe('v1');
      const patch = result('all');
      const parsed = PatchSchema.safeParse(patch);
      expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues)).toBe(true);
      expect(patch.instanceId).toBe(setup.instance.instanceId);
      expect(setup.candidates.map((candidate) => candidate.diff)).toContain(patch.diff);
    });

    it('returns the only candidate when there is one', () => {
      const patch = result('one');
      expect(PatchSchema.safeParse(patch).success).toBe(true);
      expect(patch.diff).toBe(scenarios().one[0]!.diff);
      expect(patch.instanceId).toBe(setup.instance.instanceId);
    });

    it('returns an empty diff when every candidate is empty', () => {
      const patch = result('allEmpty');
      expect(PatchSchema.safeParse(patch).success).toBe(true);
      expect(patch.diff.trim()).toBe('');
      expect(patch.instanceId).toBe(setup.instance.instanceId);
    });

    it('handles duplicated candidates and still returns one of them', () => {
      const patch = result('duplicates');
      expect(PatchSchema.safeParse(patch).success).toBe(true);
      expect(setup.candidates.map((candidate) => candidate.diff)).toContain(patch.diff);
    });

    it('refuses an empty candidate list with an error instead of inventing a patch', async () => {
      await expect(setup.selector.run([], setup.instance.instanceId)).rejects.toThrow();
    });

    it('leaves the candidates it was given unchanged', async () => {
      const patches = scenarios().all;
      const before = JSON.stringify(patches);
      await setup.selector.run(patches, setup.instance.instanceId);
      expect(JSON.stringify(patches)).toBe(before);
    });

    it('returns metadata that is JSON-serializable and survives a round trip', () => {
      for (const scenario of ['all', 'one', 'allEmpty', 'duplicates']) {
        const { metadata } = result(scenario);
        const text = JSON.stringify(metadata);
        expect(typeof text, scenario).toBe('string');
        expect(JSON.parse(text), scenario).toEqual(metadata);
      }
    });

    it('never sends gold data (added gold/test patch lines, FAIL_TO_PASS names) to a model, beyond what the candidates contain', async () => {
      result('all');
      if (!setup.requests) return;
      const requests = setup.requests();
      expect(requests.length, 'the factory observed no model request: is `requests` wired to the endpoint the selector uses?').toBeGreaterThan(0);
      const workspace = await setup.context.workspace(setup.instance.instanceId);
      const candidateText = stringsIn(setup.candidates).join('\n');
      const needles = (await goldNeedlesOf(setup.instance, workspace, await setup.context.task(setup.instance.instanceId))).filter((needle) => !candidateText.includes(needle));
      expect(needles.length, 'no gold text is absent from both the base commit and the candidates: give a candidate set without the gold test lines').toBeGreaterThan(0);
      expect(leakedGold(requests, needles), 'gold data found in model requests').toEqual([]);
    });
  });
}
