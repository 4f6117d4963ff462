import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PatchGeneratorV1 } from '../generator/v1/patch-generator';
import type { Instance } from '../instance/v1/instance';
import { LocalizationResultSchema, type LocalizationResult } from '../localization/v1/localization-result';
import { MessageSchema, type Message } from '../message/v1/message';
import { GeneratedTestSchema, PatchSchema, type Patch } from '../patch/v1/patch';
import type { PluginContext } from '../plugin/v1/plugin-context';
import { normalizeRepositoryPath } from '../workspace/repository-path';
import type { Workspace } from '../workspace/v1/workspace';
import { goldNeedlesOf, leakedGold } from './gold-leaks';

/** What one conformance run needs: the generator, what it runs on, and a view of the model requests it made. */
export interface PatchGeneratorConformanceSetup {
  /** The generator under test, created on `context`. */
  generator: PatchGeneratorV1;
  /** The context the generator was created with; the suite reads the instance's workspace and task through it. */
  context: PluginContext;
  /**
   * The instance it generates for, WITH its gold data (patch, test patch, FAIL_TO_PASS): the suite uses the
   * gold data only to check that none of it reached a model request.
   */
  instance: Instance;
  /** The localization handed to `run` (pointers or rendered text), as a localizer would return it. */
  localization: LocalizationResult;
  /**
   * Every model request the generator made, as recorded outside the plugin (e.g. the loopback server's
   * `requests`). Every string inside is searched for gold data. Leave it out only for a generator that
   * calls no model.
   */
  requests?(): readonly unknown[];
  /** Closes what the factory opened (servers, workspaces, temporary repositories). */
  cleanup?(): Promise<void>;
}

export interface PatchGeneratorConformanceFactory {
  /**
   * A fresh setup whose model (if any) is scripted so that the generator succeeds: at least one candidate
   * with a non-empty diff. Called once per suite.
   */
  create(): Promise<PatchGeneratorConformanceSetup>;
  /**
   * A fresh setup whose model answers nothing usable (prose without an edit, edit blocks cut off, ...), so
   * that the suite can check that such answers become failed samples, not errors. Leave it out only for a
   * generator that calls no model.
   */
  createWithUnusableModel?(): Promise<PatchGeneratorConformanceSetup>;
}

type RunOutcome = { result: unknown; error?: undefined } | { result?: undefined; error: unknown };

async function runOnce(setup: PatchGeneratorConformanceSetup): Promise<RunOutcome & { localizationBefore: string }> {
  const localizationBefore = JSON.stringify(setup.localization);
  try {
    return { result: await setup.generator.run(setup.localization, setup.instance.instanceId), localizationBefore };
  } catch (error) {
    return { error, localizationBefore };
  }
}

/** The `[patches, messages]` pair of a run, or a failed expectation naming what is wrong with the shape. */
function pairOf(outcome: RunOutcome): [Patch[], Message[]] {
  if (outcome.error !== undefined) throw outcome.error;
  const result = outcome.result;
  expect(Array.isArray(result), 'run() must resolve to a [patches, messages] array').toBe(true);
  const pair = result as unknown[];
  expect(pair, 'run() must resolve to exactly two elements: [patches, messages]').toHaveLength(2);
  expect(Array.isArray(pair[0]), 'the first element (patches) must be an array').toBe(true);
  expect(Array.isArray(pair[1]), 'the second element (messages) must be an array').toBe(true);
  return pair as [Patch[], Message[]];
}

/**
 * The suite every PatchGenerator passes:
 * - `run` resolves to `[patches, messages]`: patches validate against `PatchSchema` and carry the instance
 *   id they were asked for, messages validate against `MessageSchema`;
 * - at least one candidate changes something, and every non-empty diff applies to a writable copy of the
 *   repository at the base commit (so it stays inside the repository) and changes it;
 * - generated tests validate against `GeneratedTestSchema` with paths inside the repository;
 * - metadata survives a JSON round trip; the localization passed in is not modified;
 * - no gold data (lines the gold or test patch adds, FAIL_TO_PASS names) appears in any model request,
 *   apart from text the model wrote itself first (its answers come back in later turns);
 * - with a model that answers nothing usable, `run` still resolves, with well-formed results and no
 *   candidate that changes anything: unusable output is a failed sample, never an error.
 *
 * ```ts
 * runPatchGeneratorConformance('llm', {
 *   create: async () => ({ generator, context, instance, localization, requests: () => server.requests }),
 *   createWithUnusableModel: async () => ({ ... }),
 * });
 * ```
 */
export function runPatchGeneratorConformance(name: string, factory: PatchGeneratorConformanceFactory): void {
  describe(`PatchGenerator conformance: ${name}`, () => {
    let setup: PatchGeneratorConformanceSetup;
    let workspace: Workspace;
    let outcome: RunOutcome & { localizationBefore: string };

    beforeAll(async () => {
      setup = await factory.create();
      expect(LocalizationResultSchema.safeParse(setup.localization).success, 'the factory must give a valid LocalizationResult').toBe(true);
      workspace = await setup.context.workspace(setup.instance.instanceId);
      outcome = await runOnce(setup);
    }, 300_000);

    afterAll(async () => {
      await setup?.cleanup?.();
    });

    it('declares specificationVersion v1 and resolves to [patches, messages]', () => {
      expect(setup.generator.specificationVersion).toBe('v1');
      pairOf(outcome);
    });

    it('returns patches that validate against PatchSchema, each for the instance it was asked for', () => {
      const [patches] = pairOf(outcome);
      expect(patches.length, 'the generator returned no patch').toBeGreaterThan(0);
      for (const [index, patch] of patches.entries()) {
        const parsed = PatchSchema.safeParse(patch);
        expect(parsed.success, `patch ${index}: ${parsed.success ? '' : JSON.stringify(parsed.error.issues)}`).toBe(true);
        expect(patch.instanceId, `patch ${index}`).toBe(setup.instance.instanceId);
      }
    });

    it('returns messages that validate against MessageSchema', () => {
      const [, messages] = pairOf(outcome);
      for (const [index, message] of messages.entries()) {
        const parsed = MessageSchema.safeParse(message);
        expect(parsed.success, `message ${index}: ${parsed.success ? '' : JSON.stringify(parsed.error.issues)}`).toBe(true);
      }
    });

    it('returns at least one candidate, and every non-empty diff applies to the repository at the base commit and changes it', async () => {
      const [patches] = pairOf(outcome);
      const changing = patches.filter((patch) => patch.diff.trim() !== '');
      expect(changing.length, 'no patch changes anything: script the model so that the generator succeeds').toBeGreaterThan(0);
      expect(workspace.capabilities.writableCopy, 'the workspace of the context must give writable copies to check the diffs').toBe(true);
      for (const [index, patch] of changing.entries()) {
        const copy = await workspace.createWritableCopy();
        try {
          await expect(copy.applyPatch(patch.diff), `diff ${index} does not apply`).resolves.toBeUndefined();
          expect(await copy.diff(), `diff ${index} applies but changes nothing`).not.toBe('');
        } finally {
          await copy.dispose();
        }
      }
    });

    it('returns generated tests that validate against GeneratedTestSchema, with paths inside the repository', () => {
      const [patches] = pairOf(outcome);
      for (const [index, patch] of patches.entries()) {
        for (const test of patch.tests ?? []) {
          const parsed = GeneratedTestSchema.safeParse(test);
          expect(parsed.success, `a test of patch ${index}: ${parsed.success ? '' : JSON.stringify(parsed.error.issues)}`).toBe(true);
          expect(() => normalizeRepositoryPath(test.path), `test path ${test.path}`).not.toThrow();
        }
      }
    });

    it('returns metadata that survives a JSON round trip, and leaves the localization it was given unchanged', () => {
      const [patches] = pairOf(outcome);
      for (const patch of patches) expect(JSON.parse(JSON.stringify(patch.metadata))).toEqual(patch.metadata);
      for (const test of patches.flatMap((patch) => patch.tests ?? [])) expect(JSON.parse(JSON.stringify(test.metadata))).toEqual(test.metadata);
      expect(JSON.stringify(setup.localization)).toBe(outcome.localizationBefore);
    });

    it('never sends gold data (added patch lines, FAIL_TO_PASS test names) to a model', async () => {
      const [, messages] = pairOf(outcome);
      if (!setup.requests) return;
      const requests = setup.requests();
      expect(requests.length, 'the factory observed no model request: is `requests` wired to the endpoint the generator uses?').toBeGreaterThan(0);
      const needles = await goldNeedlesOf(setup.instance, workspace, await setup.context.task(setup.instance.instanceId));
      expect(needles.length, 'the instance has no gold text absent from the base commit: choose an instance whose gold patch adds code').toBeGreaterThan(0);
      // The model's own answers may contain the fix (that is the point), and a conversation sends them back
      // (as history, or as the diff of its edit): text the model wrote first is not a leak.
      const answered = messages
        .filter((message) => message.role === 'assistant')
        .map((message) => message.content)
        .join('\n');
      expect(leakedGold(requests, needles, answered), 'gold data found in model requests').toEqual([]);
    });

    describe.runIf(factory.createWithUnusableModel !== undefined)('with a model that answers nothing usable', () => {
      let unusable: PatchGeneratorConformanceSetup;
      let unusableOutcome: RunOutcome & { localizationBefore: string };

      beforeAll(async () => {
        unusable = await factory.createWithUnusableModel!();
        unusableOutcome = await runOnce(unusable);
      }, 300_000);

      afterAll(async () => {
        await unusable?.cleanup?.();
      });

      it('resolves with well-formed patches and messages (failed samples), never an error', () => {
        const [patches, messages] = pairOf(unusableOutcome);
        for (const patch of patches) {
          expect(PatchSchema.safeParse(patch).success).toBe(true);
          expect(patch.instanceId).toBe(unusable.instance.instanceId);
        }
        for (const message of messages) expect(MessageSchema.safeParse(message).success).toBe(true);
      });

      it('makes no candidate that changes anything out of unusable answers', () => {
        const [patches] = pairOf(unusableOutcome);
        expect(patches.filter((patch) => patch.diff.trim() !== '').map((patch) => patch.diff)).toEqual([]);
      });
    });
  });
}
