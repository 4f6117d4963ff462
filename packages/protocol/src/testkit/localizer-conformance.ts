import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Instance } from '../instance/v1/instance';
import { LocalizationResultSchema, type LocalizationResult } from '../localization/v1/localization-result';
import type { LocalizerV1 } from '../localization/v1/localizer';
import type { PluginContext } from '../plugin/v1/plugin-context';
import { parseRenderedContext, renderedLinePattern } from '../localization/v1/shown-lines';
import type { Workspace } from '../workspace/v1/workspace';
import { goldNeedlesOf, leakedGold } from './gold-leaks';

/** What one conformance run needs: the localizer, what it runs on, and a view of the model requests it made. */
export interface LocalizerConformanceSetup {
  /** The localizer under test, created on `context`. */
  localizer: LocalizerV1;
  /** The context the localizer was created with; the suite reads the instance's workspace through it. */
  context: PluginContext;
  /**
   * The instance it localizes, WITH its gold data (patch, test patch, FAIL_TO_PASS): the suite uses the
   * gold data only to check that none of it reached a model request.
   */
  instance: Instance;
  /**
   * Every model request the localizer made, as recorded outside the plugin (e.g. the loopback server's
   * `requests`). Every string inside (message texts, raw bodies) is searched for gold data. Leave it out
   * only for a localizer that calls no model.
   */
  requests?(): readonly unknown[];
  /** Closes what the factory opened (servers, workspaces, temporary repositories). */
  cleanup?(): Promise<void>;
}

export interface LocalizerConformanceFactory {
  /** Builds a fresh setup; called once per suite. Script the model (if any) so that the localizer succeeds. */
  create(): Promise<LocalizerConformanceSetup>;
}

function lineCountOf(content: string): number {
  const lines = content.split('\n');
  if (lines.at(-1) === '' && lines.length > 1) lines.pop();
  return lines.length;
}

/**
 * The suite every Localizer passes, run once per setup:
 * - the result validates against `LocalizationResultSchema`;
 * - pointers name files that exist at the base commit, with lines inside the file;
 * - a string result maps back through `parseRenderedContext` to existing files and lines, and every
 *   numbered line shows the file's text at that line;
 * - metadata survives a JSON round trip unchanged;
 * - no gold data (lines the gold or test patch adds, FAIL_TO_PASS test names) appears in any model request.
 *
 * ```ts
 * runLocalizerConformance('agentless', { create: async () => ({ localizer, context, instance, requests: () => server.requests }) });
 * ```
 */
export function runLocalizerConformance(name: string, factory: LocalizerConformanceFactory): void {
  describe(`Localizer conformance: ${name}`, () => {
    let setup: LocalizerConformanceSetup;
    let workspace: Workspace;
    let raw: LocalizationResult;
    let runError: unknown;

    beforeAll(async () => {
      setup = await factory.create();
      workspace = await setup.context.workspace(setup.instance.instanceId);
      try {
        raw = await setup.localizer.run(setup.instance.instanceId);
      } catch (error) {
        runError = error;
      }
    }, 120_000);

    afterAll(async () => {
      await setup?.cleanup?.();
    });

    const result = (): LocalizationResult => {
      if (runError !== undefined) throw runError;
      return raw;
    };

    it('declares specificationVersion v1 and returns a result that validates against LocalizationResultSchema', () => {
      expect(setup.localizer.specificationVersion).toBe('v1');
      const parsed = LocalizationResultSchema.safeParse(result());
      expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues)).toBe(true);
    });

    it('shows something: pointers or a non-empty rendered context', () => {
      const { content } = result();
      if (typeof content === 'string') expect(parseRenderedContext(content).size).toBeGreaterThan(0);
      else expect(content.length).toBeGreaterThan(0);
    });

    it('points only at files that exist at the base commit, with lines inside them', async () => {
      const { content } = result();
      if (typeof content === 'string') return;
      for (const pointer of content) {
        expect(await workspace.fileExists(pointer.path), `${pointer.path} does not exist`).toBe(true);
        const lines = lineCountOf(await workspace.readFile(pointer.path));
        expect(pointer.startLine, `${pointer.path}:${pointer.startLine}`).toBeGreaterThanOrEqual(1);
        expect(pointer.endLine, `${pointer.path}:${pointer.startLine}-${pointer.endLine} (file has ${lines} lines)`).toBeLessThanOrEqual(lines);
        expect(pointer.endLine).toBeGreaterThanOrEqual(pointer.startLine);
      }
    });

    it('renders a string result that maps back to existing files and lines, each showing the file text', async () => {
      const { content } = result();
      if (typeof content !== 'string') return;
      const shown = parseRenderedContext(content);
      for (const [path, lines] of shown) {
        expect(await workspace.fileExists(path), `${path} does not exist`).toBe(true);
        const fileLineCount = lineCountOf(await workspace.readFile(path));
        for (const line of lines) expect(line, `${path}:${line}`).toBeLessThanOrEqual(fileLineCount);
      }
      // Every numbered line inside a block is the file's own text at that line.
      let currentPath: string | undefined;
      let currentLines: string[] = [];
      for (const line of content.split('\n')) {
        const start = /^\[start of (.+)\]$/.exec(line);
        if (start) {
          currentPath = start[1]!;
          currentLines = (await workspace.readFile(currentPath)).split('\n');
          continue;
        }
        if (/^\[end of (.+)\]$/.test(line)) {
          currentPath = undefined;
          continue;
        }
        const numbered = currentPath === undefined ? null : renderedLinePattern.exec(line);
        if (numbered) {
          const lineNumber = Number(numbered[1]);
          expect(line.slice(numbered[0].length), `${currentPath}:${lineNumber}`).toBe(currentLines[lineNumber - 1]);
        }
      }
    });

    it('returns metadata that is JSON-serializable and survives a round trip', () => {
      const { metadata } = result();
      const text = JSON.stringify(metadata);
      expect(typeof text).toBe('string');
      expect(JSON.parse(text)).toEqual(metadata);
    });

    it('never sends gold data (added patch lines, FAIL_TO_PASS test names) to a model', async () => {
      result();
      if (!setup.requests) return;
      const requests = setup.requests();
      expect(requests.length, 'the factory observed no model request: is `requests` wired to the endpoint the localizer uses?').toBeGreaterThan(0);
      const needles = await goldNeedlesOf(setup.instance, workspace, await setup.context.task(setup.instance.instanceId));
      expect(needles.length, 'the instance has no gold text absent from the base commit: choose an instance whose gold patch adds code').toBeGreaterThan(0);
      expect(leakedGold(requests, needles), 'gold data found in model requests').toEqual([]);
    });
  });
}
