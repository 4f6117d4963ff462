import { InstanceSchema, type Instance } from '@codemonkeys/protocol';

/** Ten numbered lines: `line1` … `line10`. */
export const fileA = Array.from({ length: 10 }, (_, index) => `line${index + 1}`).join('\n') + '\n';
export const fileB = 'b1\nb2\n';
export const fileC = 'c1\nc2\nc3\nc4\nc5\n';

/** The base commit of the hand-checked repository. */
export const baseFiles: Record<string, string> = {
  'pkg/a.py': fileA,
  'pkg/b.py': fileB,
  'pkg/c.py': fileC,
  'README.md': 'readme\nnot\nsource\n',
};

/**
 * A multi-file gold patch: replaces line 3 of a.py, inserts two lines after line 7 of a.py (an
 * insert-only hunk), deletes b.py and adds new.py. G = {a.py: 3, 7; b.py: 1, 2}.
 */
export const multiFileGold = [
  'diff --git a/pkg/a.py b/pkg/a.py',
  '--- a/pkg/a.py',
  '+++ b/pkg/a.py',
  '@@ -2,3 +2,3 @@',
  ' line2',
  '-line3',
  '+LINE3',
  ' line4',
  '@@ -7,2 +7,4 @@',
  ' line7',
  '+inserted1',
  '+inserted2',
  ' line8',
  'diff --git a/pkg/b.py b/pkg/b.py',
  'deleted file mode 100644',
  '--- a/pkg/b.py',
  '+++ /dev/null',
  '@@ -1,2 +0,0 @@',
  '-b1',
  '-b2',
  'diff --git a/pkg/new.py b/pkg/new.py',
  'new file mode 100644',
  '--- /dev/null',
  '+++ b/pkg/new.py',
  '@@ -0,0 +1 @@',
  '+print("new")',
  '',
].join('\n');

/** Replaces line 3 of a.py with `replacement` (a one-hunk diff with one line of context each side). */
export function replaceLine3(replacement: string, indentation = ''): string {
  return ['diff --git a/pkg/a.py b/pkg/a.py', '--- a/pkg/a.py', '+++ b/pkg/a.py', '@@ -2,3 +2,3 @@', ' line2', '-line3', `+${indentation}${replacement}`, ' line4', ''].join('\n');
}

/** Inserts `text` at the top of a.py: an insert-only hunk whose anchor is line 0 (counted as line 1). */
export const insertAtTop = ['diff --git a/pkg/a.py b/pkg/a.py', '--- a/pkg/a.py', '+++ b/pkg/a.py', '@@ -0,0 +1,1 @@', '+import os', ''].join('\n');

export function handInstance(patch: string, overrides: Partial<Instance> = {}): Instance {
  return InstanceSchema.parse({
    instanceId: 'hand__checked-1',
    repo: 'hand/checked',
    baseCommit: 'a'.repeat(40),
    patch,
    testPatch: '',
    problemStatement: 'Something is wrong.',
    failToPass: [],
    passToPass: [],
    ...overrides,
  });
}
