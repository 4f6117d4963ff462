import { describe, expect, it } from 'vitest';
import { parseUnifiedDiff, unquoteGitPath } from '../src/index';

const gitDiff = [
  'diff --git a/pkg/a.py b/pkg/a.py',
  'index 1111111..2222222 100644',
  '--- a/pkg/a.py',
  '+++ b/pkg/a.py',
  '@@ -1,3 +1,3 @@ def header():',
  ' x = 1',
  '--- not a header, a removed line',
  '+y = 2',
  ' z = 3',
  '\\ No newline at end of file',
  'diff --git a/old name.py b/new name.py',
  'similarity index 90%',
  'rename from old name.py',
  'rename to new name.py',
  '--- a/old name.py',
  '+++ b/new name.py',
  '@@ -3 +3 @@',
  '-a',
  '+b',
  'diff --git "a/caf\\303\\251.py" "b/caf\\303\\251.py"',
  'new file mode 100644',
  '--- /dev/null',
  '+++ "b/caf\\303\\251.py"',
  '@@ -0,0 +1 @@',
  '+print(1)',
  'diff --git a/logo.png b/logo.png',
  'deleted file mode 100644',
  'Binary files a/logo.png and /dev/null differ',
  '',
].join('\n');

describe('parseUnifiedDiff', () => {
  it("reads git's extended headers, quoted paths, binary files and missing final newlines; a removed `--- x` line is no header", () => {
    const files = parseUnifiedDiff(gitDiff);
    expect(files.map(({ path, oldPath, newPath, status, binary }) => ({ path, oldPath, newPath, status, binary }))).toEqual([
      { path: 'pkg/a.py', oldPath: 'pkg/a.py', newPath: 'pkg/a.py', status: 'modified', binary: false },
      { path: 'new name.py', oldPath: 'old name.py', newPath: 'new name.py', status: 'renamed', binary: false },
      { path: 'café.py', oldPath: null, newPath: 'café.py', status: 'added', binary: false },
      { path: 'logo.png', oldPath: 'logo.png', newPath: null, status: 'deleted', binary: true },
    ]);
    const [modified, renamed] = files;
    expect(modified!.hunks).toEqual([
      {
        oldStart: 1,
        oldLines: 3,
        newStart: 1,
        newLines: 3,
        section: 'def header():',
        lines: [
          { kind: 'context', content: 'x = 1', oldLine: 1, newLine: 1 },
          { kind: 'removed', content: '-- not a header, a removed line', oldLine: 2 },
          { kind: 'added', content: 'y = 2', newLine: 2 },
          { kind: 'context', content: 'z = 3', oldLine: 3, newLine: 3 },
        ],
      },
    ]);
    expect(modified).toMatchObject({ oldMode: '100644', newMode: '100644', oldMissingNewlineAtEnd: true, newMissingNewlineAtEnd: true });
    expect(renamed).toMatchObject({ similarity: 90, hunks: [{ oldStart: 3, oldLines: 1, newStart: 3, newLines: 1, section: '' }] });
  });

  it('splits plain `diff -u` output at its ---/+++ pairs and reads nothing from empty input', () => {
    const plain = ['--- a/x.py\t2024-01-01 10:00:00', '+++ b/x.py\t2024-01-02 10:00:00', '@@ -1 +1 @@', '-1', '+2', '--- a/y.py', '+++ b/y.py', '@@ -1 +1,2 @@', ' 1', '+2'].join(
      '\n',
    );
    expect(parseUnifiedDiff(plain).map((file) => [file.path, file.hunks.length, file.hunks[0]!.lines.length])).toEqual([
      ['x.py', 1, 2],
      ['y.py', 1, 2],
    ]);
    expect(parseUnifiedDiff('')).toEqual([]);
    expect(parseUnifiedDiff('not a diff\n')).toEqual([]);
  });

  it("strips CRLF line ends by default, and keeps a code line's CR with carriageReturns: 'keep' (headers are read without it)", () => {
    const crlf = ['diff --git a/w.txt b/w.txt', '--- a/w.txt', '+++ b/w.txt', '@@ -1,2 +1,2 @@', ' one', '-two', '+2', '\\ No newline at end of file', ''].join('\r\n');
    const stripped = parseUnifiedDiff(crlf)[0]!;
    expect(stripped.hunks[0]!.lines.map((line) => line.content)).toEqual(['one', 'two', '2']);
    const kept = parseUnifiedDiff(crlf, { carriageReturns: 'keep' })[0]!;
    expect(kept).toMatchObject({ path: 'w.txt', status: 'modified', newMissingNewlineAtEnd: true, oldMissingNewlineAtEnd: false });
    expect(kept.hunks[0]!.lines.map((line) => line.content)).toEqual(['one\r', 'two\r', '2\r']);
    expect(kept.hunks[0]!.section).toBe('');
  });
});

describe('unquoteGitPath', () => {
  it("undoes git's C quoting (octal UTF-8 bytes, escapes) and leaves plain paths alone", () => {
    expect(unquoteGitPath('"a/caf\\303\\251 menu.py"')).toBe('a/café menu.py');
    expect(unquoteGitPath('"tab\\there\\"q\\""')).toBe('tab\there"q"');
    expect(unquoteGitPath('plain/path.py')).toBe('plain/path.py');
  });
});
