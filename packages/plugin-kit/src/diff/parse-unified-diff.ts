import parseDiff from 'parse-diff';
import type { DiffHunk, DiffLine, FileDiff, FileDiffStatus } from './file-diff';

export interface ParseUnifiedDiffOptions {
  /**
   * `strip` (default): CRLF line ends are read as LF everywhere. `keep`: a `\r` before the line end of a
   * context, removed or added line stays in its content (what `git diff` writes for a file with CRLF
   * line ends, to compare with that file's lines split at LF); headers are read without it either way.
   */
  carriageReturns?: 'strip' | 'keep';
}

/**
 * Hunk bodies are parsed by `parse-diff` (it counts hunk lines, so a removed line reading `--- x` is
 * not taken for a file header). What it leaves out is read here from git's extended headers: binary
 * markers, renames/copies with similarity, `\ No newline at end of file` (which parse-diff returns as
 * an ordinary change), and C-quoted paths, which git writes for names with spaces or non-ASCII bytes.
 * The one reader of unified diffs: swebench, the rewards and the selectors all parse with it.
 */
export function parseUnifiedDiff(diff: string, options: ParseUnifiedDiffOptions = {}): FileDiff[] {
  const keep = options.carriageReturns === 'keep';
  const text = keep ? diff : diff.replace(/\r\n/g, '\n');
  if (text.trim() === '') return [];
  return splitFileSections(text).flatMap((section) => parseFileSection(section, keep));
}

/** A line without the `\r` of a CRLF line end. */
const withoutCarriageReturn = (line: string): string => (line.endsWith('\r') ? line.slice(0, -1) : line);

/**
 * Splits a diff into one section per file: at `diff --git` lines, and at `---`/`+++` pairs outside
 * hunks (plain `diff -u` output has no `diff --git` lines). Hunk lengths are tracked so that a removed
 * line reading `-- x` (shown as `--- x`) never starts a section.
 */
function splitFileSections(text: string): string[] {
  const lines = text.split('\n');
  const sections: string[][] = [];
  let current: string[] = [];
  let oldRemaining = 0;
  let newRemaining = 0;
  let sawHunkOrGitHeader = false;
  let sawHunk = false;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (oldRemaining > 0 || newRemaining > 0) {
      if (line.startsWith('\\')) {
        current.push(line);
        continue;
      }
      if (line.startsWith('-')) oldRemaining--;
      else if (line.startsWith('+')) newRemaining--;
      else {
        oldRemaining--;
        newRemaining--;
      }
      current.push(line);
      continue;
    }
    const startsGitFile = line.startsWith('diff --git ');
    // A `---`/`+++` pair starts a new file unless it is the one that follows this section's `diff --git`.
    const startsPlainFile = line.startsWith('--- ') && (lines[index + 1] ?? '').startsWith('+++ ') && sawHunk;
    if ((startsGitFile && sawHunkOrGitHeader) || startsPlainFile) {
      sections.push(current);
      current = [];
      sawHunkOrGitHeader = false;
      sawHunk = false;
    }
    const hunk = line.match(/^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@/);
    if (hunk) {
      oldRemaining = hunk[1] === undefined ? 1 : Number(hunk[1]);
      newRemaining = hunk[2] === undefined ? 1 : Number(hunk[2]);
    }
    if (hunk || startsGitFile) sawHunkOrGitHeader = true;
    if (hunk) sawHunk = true;
    current.push(line);
  }
  sections.push(current);
  return sections.map((section) => section.join('\n')).filter((section) => section.trim() !== '');
}

/** Undoes git's C-style quoting of a path (`"a/caf\303\251 menu.py"`). */
export function unquoteGitPath(raw: string): string {
  if (!raw.startsWith('"') || !raw.endsWith('"') || raw.length < 2) return raw;
  const body = raw.slice(1, -1);
  const bytes: number[] = [];
  const simple: Record<string, number> = { n: 10, t: 9, r: 13, '"': 34, '\\': 92, a: 7, b: 8, f: 12, v: 11 };
  for (let index = 0; index < body.length; index++) {
    const character = body[index]!;
    if (character !== '\\') {
      for (const byte of Buffer.from(character, 'utf8')) bytes.push(byte);
      continue;
    }
    const next = body[index + 1] ?? '';
    if (/[0-7]/.test(next)) {
      const octal = body.slice(index + 1, index + 4);
      bytes.push(parseInt(octal, 8));
      index += 3;
    } else {
      bytes.push(simple[next] ?? next.charCodeAt(0));
      index += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** A header path: unquoted, timestamp removed, `/dev/null` → null, prefix `a/`/`b/` removed when present. */
function headerPath(raw: string, prefix: 'a/' | 'b/'): string | null {
  let value = raw.trim();
  if (!value.startsWith('"')) value = value.replace(/\t.*$/, '').replace(/\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?( [+-]\d{4})?$/, '');
  value = unquoteGitPath(value);
  if (value === '/dev/null') return null;
  return value.startsWith(prefix) ? value.slice(prefix.length) : value;
}

/** Old and new path of a `diff --git a/X b/Y` line (git guarantees X = Y unless it also writes rename/copy headers). */
function gitHeaderPaths(line: string): [string | null, string | null] {
  const rest = line.slice('diff --git '.length);
  const quoted = rest.match(/^("(?:[^"\\]|\\.)*"|\S+) ("(?:[^"\\]|\\.)*"|\S+)$/);
  if (rest.includes('"') && quoted) return [headerPath(quoted[1]!, 'a/'), headerPath(quoted[2]!, 'b/')];
  // Unquoted names may contain spaces: with equal names the split is in the middle.
  const half = (rest.length - 1) / 2;
  if (Number.isInteger(half) && rest[half] === ' ' && rest.slice(2, half) === rest.slice(half + 3)) {
    return [headerPath(rest.slice(0, half), 'a/'), headerPath(rest.slice(half + 1), 'b/')];
  }
  const split = rest.indexOf(' b/');
  if (split > 0) return [headerPath(rest.slice(0, split), 'a/'), headerPath(rest.slice(split + 1), 'b/')];
  return [null, null];
}

function parseFileSection(section: string, keepCarriageReturns: boolean): FileDiff[] {
  const lines = section.split('\n');
  const firstHunk = lines.findIndex((line) => line.startsWith('@@'));
  const header = (firstHunk === -1 ? lines : lines.slice(0, firstHunk)).map(withoutCarriageReturn);
  if (!header.some((line) => /^(diff --git |--- |\+\+\+ |Binary files |GIT binary patch)/.test(line))) return [];

  let oldPath: string | null | undefined;
  let newPath: string | null | undefined;
  let status: FileDiffStatus | undefined;
  let oldMode: string | undefined;
  let newMode: string | undefined;
  let similarity: number | undefined;
  let binary = false;
  for (const line of header) {
    let match: RegExpMatchArray | null;
    if (line.startsWith('diff --git ')) [oldPath, newPath] = gitHeaderPaths(line);
    else if ((match = line.match(/^new file mode (\d+)/))) {
      status = 'added';
      newMode = match[1];
    } else if ((match = line.match(/^deleted file mode (\d+)/))) {
      status = 'deleted';
      oldMode = match[1];
    } else if ((match = line.match(/^old mode (\d+)/))) oldMode = match[1];
    else if ((match = line.match(/^new mode (\d+)/))) newMode = match[1];
    else if ((match = line.match(/^index [0-9a-f]+\.\.[0-9a-f]+ (\d+)/i))) {
      oldMode ??= match[1];
      newMode ??= match[1];
    } else if ((match = line.match(/^(rename|copy) from (.*)$/))) {
      oldPath = headerPath(match[2]!, 'a/');
      status = match[1] === 'rename' ? 'renamed' : 'copied';
    } else if ((match = line.match(/^(rename|copy) to (.*)$/))) newPath = headerPath(match[2]!, 'b/');
    else if ((match = line.match(/^(?:dis)?similarity index (\d+)%/))) similarity = Number(match[1]);
    else if (line.startsWith('--- ')) oldPath = headerPath(line.slice(4), 'a/');
    else if (line.startsWith('+++ ')) newPath = headerPath(line.slice(4), 'b/');
    else if (line.startsWith('GIT binary patch')) binary = true;
    else if ((match = line.match(/^Binary files (.+) and (.+) differ$/))) {
      binary = true;
      oldPath = headerPath(match[1]!, 'a/');
      newPath = headerPath(match[2]!, 'b/');
    }
  }
  if (status === 'added') oldPath = null;
  if (status === 'deleted') newPath = null;
  if (oldPath === undefined && newPath === undefined) return [];
  oldPath ??= null;
  newPath ??= null;
  status ??= oldPath === null ? 'added' : newPath === null ? 'deleted' : oldPath !== newPath ? 'renamed' : 'modified';
  const path = newPath ?? oldPath;
  if (path === null) return [];

  const hunks: DiffHunk[] = [];
  let oldMissingNewlineAtEnd = false;
  let newMissingNewlineAtEnd = false;
  if (!binary && firstHunk !== -1) {
    // parse-diff needs a header to attach hunks to; give it a neutral one.
    // Hunk headers and `\\ No newline` markers are read without a CR; code lines keep theirs when asked to.
    const hunkLines = lines.slice(firstHunk).map((line) => (!keepCarriageReturns || line.startsWith('@@') || line.startsWith('\\') ? withoutCarriageReturn(line) : line));
    const parsed = parseDiff(`--- a/x\n+++ b/x\n${hunkLines.join('\n')}`);
    for (const chunk of parsed.flatMap((file) => file.chunks)) {
      const changes: DiffLine[] = [];
      for (const change of chunk.changes) {
        if (change.content.startsWith('\\')) {
          // "\ No newline at end of file" belongs to the line before it.
          const previous = changes[changes.length - 1];
          if (previous?.kind !== 'added') oldMissingNewlineAtEnd = true;
          if (previous?.kind !== 'removed') newMissingNewlineAtEnd = true;
          continue;
        }
        if (change.type === 'normal') changes.push({ kind: 'context', content: change.content.slice(1), oldLine: change.ln1, newLine: change.ln2 });
        else if (change.type === 'del') changes.push({ kind: 'removed', content: change.content.slice(1), oldLine: change.ln });
        else changes.push({ kind: 'added', content: change.content.slice(1), newLine: change.ln });
      }
      hunks.push({
        oldStart: chunk.oldStart,
        oldLines: chunk.oldLines,
        newStart: chunk.newStart,
        newLines: chunk.newLines,
        section: chunk.content.replace(/^@@[^@]*@@ ?/, ''),
        lines: changes,
      });
    }
  }
  return [
    {
      oldPath,
      newPath,
      path,
      status,
      ...(oldMode ? { oldMode } : {}),
      ...(newMode ? { newMode } : {}),
      ...(similarity !== undefined ? { similarity } : {}),
      binary,
      hunks,
      oldMissingNewlineAtEnd,
      newMissingNewlineAtEnd,
    },
  ];
}
