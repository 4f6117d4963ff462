import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PathOutsideRepositoryError } from '@codemonkeys/protocol';
import { describeWhenAvailable, locateSharedData } from '@codemonkeys/protocol/testkit';
import { applyPatch, changedLines, changedLinesText, goldLines, goldLinesByFile, normalizeDiff, parseUnifiedDiff, PatchApplyError } from '../src/index';
import { runGit } from '../src/git/run-git';

const gitDiff = `diff --git a/pkg/a.py b/pkg/a.py
index 1111111..2222222 100644
--- a/pkg/a.py
+++ b/pkg/a.py
@@ -1,4 +1,4 @@ def header():
 x = 1
--- not a header, a removed line
+y = 2
 z = 3
 w = 4
\\ No newline at end of file
diff --git a/old name.py b/new name.py
similarity index 90%
rename from old name.py
rename to new name.py
index 1..2 100644
--- a/old name.py
+++ b/new name.py
@@ -3 +3 @@
-a
+b
diff --git a/logo.png b/logo.png
new file mode 100644
index 0000000..1234567
Binary files /dev/null and b/logo.png differ
diff --git a/gone.py b/gone.py
deleted file mode 100644
index 1..0
--- a/gone.py
+++ /dev/null
@@ -1,2 +0,0 @@
-first
-second
diff --git "a/caf\\303\\251.py" "b/caf\\303\\251.py"
new file mode 100755
--- /dev/null
+++ "b/caf\\303\\251.py"
@@ -0,0 +1 @@
+print("hi")
`;

describe('parseUnifiedDiff', () => {
  it('reads modified, renamed, binary, deleted and added files with their markers', () => {
    const files = parseUnifiedDiff(gitDiff);
    expect(files.map((file) => [file.status, file.oldPath, file.newPath, file.binary])).toEqual([
      ['modified', 'pkg/a.py', 'pkg/a.py', false],
      ['renamed', 'old name.py', 'new name.py', false],
      ['added', null, 'logo.png', true],
      ['deleted', 'gone.py', null, false],
      ['added', null, 'café.py', false],
    ]);
    const [modified, renamed, , deleted, added] = files;
    expect(modified!.hunks[0]!.section).toBe('def header():');
    expect(modified!.hunks[0]!.lines.map((line) => `${line.kind}:${line.content}:${line.oldLine ?? ''}:${line.newLine ?? ''}`)).toEqual([
      'context:x = 1:1:1',
      'removed:-- not a header, a removed line:2:',
      'added:y = 2::2',
      'context:z = 3:3:3',
      'context:w = 4:4:4',
    ]);
    expect([modified!.oldMissingNewlineAtEnd, modified!.newMissingNewlineAtEnd]).toEqual([true, true]);
    expect(renamed!.similarity).toBe(90);
    expect(deleted!.hunks[0]!.lines.map((line) => line.oldLine)).toEqual([1, 2]);
    expect(added!.newMode).toBe('100755');
  });

  it('splits plain (non-git) multi-file diffs and handles CRLF and empty input', () => {
    const plain = '--- a/x.py\t2020-01-01\n+++ b/x.py\n@@ -1 +1 @@\n-a\n+b\n--- y.py\n+++ y.py\n@@ -1,0 +2 @@\n+c\n';
    expect(parseUnifiedDiff(plain).map((file) => file.path)).toEqual(['x.py', 'y.py']);
    expect(parseUnifiedDiff(plain.replace(/\n/g, '\r\n')).map((file) => file.hunks.length)).toEqual([1, 1]);
    expect(parseUnifiedDiff('')).toEqual([]);
    expect(parseUnifiedDiff('I changed the code as asked.')).toEqual([]);
  });
});

describe('gold lines', () => {
  it('lists removed lines, insertion anchors and DESIGN §4 gold lines', () => {
    const diff = 'diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n@@ -1,5 +1,6 @@\n a\n-b\n+B\n c\n+inserted\n d\n e\n@@ -20,2 +21,3 @@\n t\n+new\n u\n@@ -0,0 +1 @@\n+top\n';
    const [file] = goldLinesByFile(diff);
    expect(file).toMatchObject({ removedLines: [2], insertAfterLines: [0, 2, 3, 20], insertOnlyAnchors: [1, 20] });
    expect(goldLines(diff).get('m.py')).toEqual([1, 2, 20]);
    expect(goldLines(diff, { insertionAnchors: 'every-insertion' }).get('m.py')).toEqual([1, 2, 3, 20]);
    expect(goldLines(diff, { insertionAnchors: 'none' }).get('m.py')).toEqual([2]);
  });

  const data = locateSharedData('gold-localization-lite.jsonl', 'gold-localization-verified.jsonl', 'swe-bench-lite.jsonl', 'swe-bench-verified.partial.jsonl');
  describeWhenAvailable('against gold-localization-*.jsonl', data, () => {
    it('matches gold_file_details for all 800 rows (one explained disagreement)', async () => {
      const read = async (name: string) =>
        (await fs.readFile(data.paths[name]!, 'utf8'))
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as Record<string, unknown>);
      const disagreements: string[] = [];
      let rows = 0;
      for (const [goldFile, datasetFile] of [
        ['gold-localization-lite.jsonl', 'swe-bench-lite.jsonl'],
        ['gold-localization-verified.jsonl', 'swe-bench-verified.partial.jsonl'],
      ] as const) {
        const patches = new Map((await read(datasetFile)).map((row) => [row.instance_id as string, row.patch as string]));
        for (const row of await read(goldFile)) {
          rows++;
          const ours = goldLinesByFile(patches.get(row.instance_id as string)!).map((file) => ({
            path: file.path,
            old_path: file.oldPath,
            status: file.status,
            hunks: file.hunks.map((hunk) => ({ old_start: hunk.oldStart, old_lines: hunk.oldLines, new_start: hunk.newStart, new_lines: hunk.newLines })),
            removed_lines: file.removedLines,
            insert_after_lines: file.insertAfterLines,
          }));
          expect(ours.map((file) => file.path)).toEqual(row.gold_files);
          if (JSON.stringify(ours) !== JSON.stringify(row.gold_file_details)) disagreements.push(row.instance_id as string);
        }
      }
      expect(rows).toBe(800);
      // astropy__astropy-13398 adds a file. The derived data gives the added file old_path = its new
      // path and an insertion anchor of -1 (old_start 0 minus 1); the data README says 0 means "top"
      // and an added file has no base path, which is what we report (old_path null, anchor 0). Every
      // other field of that row agrees.
      expect(disagreements).toEqual(['astropy__astropy-13398']);
    });
  });
});

describe('normalization and changed lines', () => {
  const narrow = 'diff --git a/m.py b/m.py\nindex 1..2 100644\n--- a/m.py\n+++ b/m.py\n@@ -3,3 +3,3 @@ def f():\n a\n-    return  x\n+    return x + 1\n c\n';
  const wide = '--- a/m.py\n+++ b/m.py\n@@ -1,7 +1,7 @@\n 1\n 2\n a\n-\treturn x   \n+    return x  +  1\n c\n d\n e\n';

  it('makes diffs that differ in context size and spacing equal', () => {
    expect(normalizeDiff(narrow)).toBe(normalizeDiff(wide));
    expect(normalizeDiff(narrow)).toBe('--- m.py\n+++ m.py\n@@ 4\n-return x\n+return x + 1\n');
    expect(normalizeDiff(narrow)).not.toBe(normalizeDiff(narrow.replace('x + 1', 'x + 2')));
    expect(normalizeDiff('--- a/m.py\n+++ b/m.py\n@@ -1 +1 @@\n-a  b\n+a b\n')).toBe('');
    expect(normalizeDiff('')).toBe('');
  });

  it('extracts changed lines and their text for similarity', () => {
    expect(changedLines(narrow)).toEqual([
      { path: 'm.py', kind: 'removed', content: 'return x', line: 4 },
      { path: 'm.py', kind: 'added', content: 'return x + 1', line: 4 },
    ]);
    expect(changedLinesText(narrow)).toBe('-return x\n+return x + 1');
    expect(changedLinesText(narrow, { whitespace: 'exact' })).toBe('-    return  x\n+    return x + 1');
  });

  const predictions = locateSharedData('predictions-dev/20240402_sweagent_gpt4.jsonl', 'predictions-dev/20240523_aider.jsonl');
  describeWhenAvailable('published model patches', predictions, () => {
    it('parses every published patch consistently with its +/- line counts', async () => {
      let patches = 0;
      for (const file of Object.values(predictions.paths)) {
        for (const line of (await fs.readFile(file, 'utf8')).trim().split('\n')) {
          const patch = (JSON.parse(line) as { model_patch: string | null }).model_patch ?? '';
          const parsed = parseUnifiedDiff(patch);
          const hunkLines = parsed.flatMap((entry) => entry.hunks.flatMap((hunk) => hunk.lines));
          for (const entry of parsed)
            for (const hunk of entry.hunks) {
              expect(hunk.lines.filter((hunkLine) => hunkLine.kind !== 'added').length).toBe(hunk.oldLines);
              expect(hunk.lines.filter((hunkLine) => hunkLine.kind !== 'removed').length).toBe(hunk.newLines);
            }
          expect(changedLines(patch, { whitespace: 'exact', ignoreBlankLines: false })).toHaveLength(hunkLines.filter((hunkLine) => hunkLine.kind !== 'context').length);
          patches++;
        }
      }
      expect(patches).toBeGreaterThan(200);
    });
  });
});

describe('applyPatch', () => {
  let root: string;
  beforeEach(async () => {
    root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'swebench-apply-')));
    await runGit(['init', '-q'], { cwd: root });
    await fs.writeFile(path.join(root, 'm.py'), Array.from({ length: 30 }, (_, index) => `line ${index + 1}`).join('\n') + '\n');
  });
  afterEach(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });
  const change = (from: number, context: string[] = []) =>
    `diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n@@ -${from},3 +${from},3 @@\n ${context[0] ?? `line ${from}`}\n-line ${from + 1}\n+LINE ${from + 1}\n ${context[1] ?? `line ${from + 2}`}\n`;

  it('applies with git apply, and with patch --fuzz when the context drifted', async () => {
    expect((await applyPatch(root, change(4))).method).toBe('git-apply');
    expect(await fs.readFile(path.join(root, 'm.py'), 'utf8')).toContain('LINE 5\n');
    const drifted = change(10, ['line 10 (edited since)', 'line 12']);
    const result = await applyPatch(root, drifted);
    expect(result.method).toBe('patch');
    expect(await fs.readFile(path.join(root, 'm.py'), 'utf8')).toContain('LINE 11\n');
    expect((await applyPatch(root, '')).method).toBe('empty');
  });

  it('leaves the files untouched when nothing applies', async () => {
    const before = await fs.readFile(path.join(root, 'm.py'), 'utf8');
    const bad = 'diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n@@ -1,2 +1,2 @@\n line 1\n-no such line\n+x\n';
    const error = await applyPatch(root, bad).catch((caught: unknown) => caught);
    expect(PatchApplyError.isInstance(error)).toBe(true);
    expect((error as PatchApplyError).attempts.map((attempt) => attempt.method)).toEqual(['git apply', 'patch --dry-run']);
    expect(await fs.readFile(path.join(root, 'm.py'), 'utf8')).toBe(before);
    expect((await fs.readdir(root)).filter((name) => name.endsWith('.rej') || name.endsWith('.orig'))).toEqual([]);
    await expect(applyPatch(root, 'Sure! Here is the fix.')).rejects.toThrow(/no file headers/);
    // A patch that is already applied looks reversed: GNU patch --batch would undo it.
    await applyPatch(root, change(20));
    await expect(applyPatch(root, change(20))).rejects.toSatisfy((error: unknown) => PatchApplyError.isInstance(error));
    expect(await fs.readFile(path.join(root, 'm.py'), 'utf8')).toContain('LINE 21\n');
    expect((await applyPatch(root, change(20), { allowReversed: true })).method).toBe('patch');
    expect(await fs.readFile(path.join(root, 'm.py'), 'utf8')).toContain('line 21\n');
  });

  it('refuses paths outside the repository, through symlinks too, before changing anything', async () => {
    const escape = (target: string) => `diff --git a/${target} b/${target}\nnew file mode 100644\n--- /dev/null\n+++ b/${target}\n@@ -0,0 +1 @@\n+owned\n`;
    const outside = await fs.mkdtemp(path.join(os.tmpdir(), 'swebench-outside-'));
    try {
      await expect(applyPatch(root, escape('../escaped.txt'))).rejects.toSatisfy((error: unknown) => PathOutsideRepositoryError.isInstance(error));
      await expect(applyPatch(root, escape('.git/hooks/pre-commit'))).rejects.toSatisfy((error: unknown) => PathOutsideRepositoryError.isInstance(error));
      await fs.symlink(outside, path.join(root, 'link'));
      await expect(applyPatch(root, escape('link/escaped.txt'))).rejects.toSatisfy((error: unknown) => PathOutsideRepositoryError.isInstance(error));
      const symlinkOut = 'diff --git a/evil b/evil\nnew file mode 120000\n--- /dev/null\n+++ b/evil\n@@ -0,0 +1 @@\n+/etc/passwd\n\\ No newline at end of file\n';
      await expect(applyPatch(root, symlinkOut)).rejects.toSatisfy((error: unknown) => PathOutsideRepositoryError.isInstance(error));
      expect(await fs.readdir(outside)).toEqual([]);
    } finally {
      await fs.rm(outside, { recursive: true, force: true });
    }
  });
});
