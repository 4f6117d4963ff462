import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { WritableWorkspace } from '@codemonkeys/protocol';
import { createWorkspaceProvider, type WorkspaceProvider } from '@codemonkeys/swebench';
import { createFixtureRepository, recordGitCalls, type FixtureRepository, type GitCallRecorder } from '@codemonkeys/swebench/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPristineTrackingCopy, writeEditPlan, type EditPlan } from '../src/index';

// writeEditPlan resets the copy before every plan; on a copy nothing was written to, that reset is two git
// processes (reset --hard, clean) for nothing. These tests run real worktrees and count the processes.

let fixture: FixtureRepository;
let directory: string;
let provider: WorkspaceProvider;
let recorder: GitCallRecorder;
beforeAll(async () => {
  fixture = await createFixtureRepository({ instances: ['word-count'] });
  directory = await fs.mkdtemp(path.join(os.tmpdir(), 'generator-pristine-'));
  provider = createWorkspaceProvider({ instances: fixture.instances, directory, repositorySources: fixture.repositorySources });
  recorder = await recordGitCalls();
});
afterAll(async () => {
  await recorder.restore();
  await provider.close();
  await fixture.cleanup();
  await fs.rm(directory, { recursive: true, force: true });
});
beforeEach(async () => recorder.clear());

const planOf = (files: Record<string, string | null>): EditPlan => ({
  applied: Object.keys(files).map((file, index) => ({ index, path: file, method: 'exact' as const })),
  refusals: [],
  files: new Map(Object.entries(files)),
  changedPaths: Object.keys(files),
});

async function withCopy(test: (copy: WritableWorkspace) => Promise<void>): Promise<void> {
  const workspace = await provider.workspace(fixture.instances[0]!.instanceId);
  const copy = createPristineTrackingCopy({ copy: await workspace.createWritableCopy() });
  await recorder.clear();
  try {
    await test(copy);
  } finally {
    await copy.dispose();
  }
}

describe('a pristine-tracking copy', () => {
  it('writes the first plan on a new copy without resetting it, and resets before the next one', async () => {
    await withCopy(async (copy) => {
      const original = await copy.readFile('textkit/words.py');
      expect(await writeEditPlan(copy, planOf({ 'textkit/words.py': `${original}# first\n`, 'textkit/first.py': 'FIRST = 1\n' }))).toEqual([]);
      expect(await recorder.count('reset')).toBe(0);
      expect(await recorder.count('clean')).toBe(0);
      const first = await copy.diff();
      expect(first).toContain('+# first');
      expect(first).toContain('b/textkit/first.py');

      // The copy is dirty now: the next plan replaces the first one entirely.
      expect(await writeEditPlan(copy, planOf({ 'textkit/second.py': 'SECOND = 2\n' }))).toEqual([]);
      expect(await recorder.count('reset')).toBe(1);
      expect(await recorder.count('clean')).toBe(1);
      const second = await copy.diff();
      expect(second).toContain('b/textkit/second.py');
      expect(second).not.toContain('first');
      expect(await copy.fileExists('textkit/first.py')).toBe(false);
      expect(await copy.readFile('textkit/words.py')).toBe(original);
    });
  });

  it('resets only when something changed since the last reset', async () => {
    await withCopy(async (copy) => {
      await copy.reset();
      expect(await recorder.count('reset')).toBe(0);
      await copy.writeFile('textkit/words.py', 'changed\n');
      await copy.reset();
      await copy.reset();
      expect(await recorder.count('reset')).toBe(1);
      expect(await copy.diff()).toBe('');
      // diff() stages new files as intent-to-add, so it counts as a change too.
      await copy.reset();
      expect(await recorder.count('reset')).toBe(2);
    });
  });

  it('counts a change that failed as a change (it may have written part of its work)', async () => {
    await withCopy(async (copy) => {
      await expect(copy.writeFile('textkit', 'a folder cannot be written as a file\n')).rejects.toThrow();
      await expect(copy.applyPatch('this is not a diff\n')).rejects.toThrow();
      await copy.reset();
      expect(await recorder.count('reset')).toBe(1);
      expect(await copy.diff()).toBe('');
    });
  });
});
