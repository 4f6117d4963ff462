import { CodemonkeysError, normalizeRepositoryPath, type SandboxSession } from '@codemonkeys/protocol';

export type DiffApplication =
  | { applied: true; method: 'git-apply' | 'patch' | 'empty'; output: string }
  | { applied: false; output: string; /** Refused before anything ran: a path leaves the repository, or there is no file header. */ refused: boolean };

export interface ApplyDiffInSessionOptions {
  /** Time limit of each apply command (default 2 minutes). */
  timeoutMs?: number;
  /** Directory to apply in (default the session's workdir). */
  cwd?: string;
}

/** The apply commands of SWE-bench's harness: `git apply`, then GNU patch with fuzz 5. */
const gitApplyCommand = ['git', 'apply', '--verbose', '--whitespace=nowarn'];
const fuzzyPatchCommand = ['patch', '--batch', '--fuzz=5', '-p1', '--no-backup-if-mismatch', '--reject-file=-'];

const simpleEscapes: Record<string, number> = { n: 10, t: 9, r: 13, '"': 34, '\\': 92, a: 7, b: 8, f: 12, v: 11 };

/**
 * Undoes git's C-style quoting of a path (`"a/caf\303\251 menu.py"`): octal escapes are bytes of UTF-8.
 * Checking the decoded path matters: `"a/\056\056/x"` is `a/../x` to git and to GNU patch.
 */
function unquote(value: string): string {
  if (!(value.length >= 2 && value.startsWith('"') && value.endsWith('"'))) return value;
  const body = value.slice(1, -1);
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let index = 0; index < body.length; index += 1) {
    const character = body[index]!;
    if (character !== '\\') {
      bytes.push(...encoder.encode(character));
      continue;
    }
    const next = body[index + 1] ?? '';
    if (/[0-7]/.test(next)) {
      const octal = /^[0-7]{1,3}/.exec(body.slice(index + 1))![0];
      bytes.push(parseInt(octal, 8) & 0xff);
      index += octal.length;
    } else {
      bytes.push(simpleEscapes[next] ?? next.charCodeAt(0));
      index += 1;
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** Repository paths named by a diff's file headers (`diff --git`, `---`/`+++`, renames and copies). */
export function diffHeaderPaths(diff: string): string[] {
  const paths: string[] = [];
  const lines = diff.split('\n');
  lines.forEach((line, index) => {
    let match = /^diff --git ("?a\/.+?"?) ("?b\/.+"?)$/.exec(line);
    if (match) {
      paths.push(unquote(match[1]!).slice(2), unquote(match[2]!).slice(2));
      return;
    }
    // A `---` line is a header only when a `+++` line follows (inside a hunk it is a removed `-- ...` line).
    const isHeaderPair = line.startsWith('--- ') ? lines[index + 1]?.startsWith('+++ ') : line.startsWith('+++ ') && lines[index - 1]?.startsWith('--- ');
    match = isHeaderPair ? /^(?:---|\+\+\+) (\S.*?)(?:\t.*)?$/.exec(line) : null;
    if (match) {
      const name = unquote(match[1]!.trim());
      if (name !== '/dev/null') paths.push(/^[ab]\//.test(name) ? name.slice(2) : name);
      return;
    }
    match = /^(?:rename|copy) (?:from|to) (.+)$/.exec(line);
    if (match) paths.push(unquote(match[1]!.trim()));
  });
  return paths;
}

/**
 * Applies a candidate diff in a sandbox session as SWE-bench's harness does: `git apply --verbose`, and
 * when that refuses, `patch --batch --fuzz=5 -p1`. A diff whose paths leave the repository (absolute,
 * `..`, `.git`) or that has no file header is refused before anything runs. An empty diff applies
 * trivially. A missing final newline is added (models often drop it; git would call the patch corrupt).
 * Evaluation (`@codemonkeys/swebench`), selectors and generators all apply candidates with it, so that a
 * candidate applies in one exactly when it applies in the others.
 */
export async function applyDiffInSession(session: SandboxSession, diff: string, options: ApplyDiffInSessionOptions = {}): Promise<DiffApplication> {
  if (diff.trim() === '') return { applied: true, method: 'empty', output: '' };
  const text = diff.endsWith('\n') ? diff : `${diff}\n`;
  const paths = diffHeaderPaths(text);
  if (paths.length === 0) return { applied: false, refused: true, output: 'The diff has no file headers (diff --git, ---/+++).' };
  try {
    for (const path of paths) normalizeRepositoryPath(path);
  } catch (error) {
    if (!CodemonkeysError.isInstance(error)) throw error;
    return { applied: false, refused: true, output: (error as Error).message };
  }
  const execOptions = { timeoutMs: options.timeoutMs ?? 120_000, stdin: text, ...(options.cwd === undefined ? {} : { cwd: options.cwd }) };
  const git = await session.exec(gitApplyCommand, execOptions);
  const gitOutput = `${git.stdout}${git.stderr}`;
  if (git.exitCode === 0) return { applied: true, method: 'git-apply', output: gitOutput };
  // No `--forward`: like the harness, a patch that looks reversed is applied in reverse, so that a
  // candidate applies here exactly when it applies in evaluation.
  const fuzzy = await session.exec(fuzzyPatchCommand, execOptions);
  const fuzzyOutput = `${fuzzy.stdout}${fuzzy.stderr}`;
  if (fuzzy.exitCode === 0) return { applied: true, method: 'patch', output: `${gitOutput}${fuzzyOutput}` };
  const describe = (command: readonly string[], result: { timedOut: boolean; exitCode: number | null }, output: string): string =>
    `--- ${command.join(' ')} ${result.timedOut ? 'timed out' : `exited with ${result.exitCode}`}:\n${output.trim().slice(-3000)}`;
  return { applied: false, refused: false, output: `${describe(gitApplyCommand, git, gitOutput)}\n${describe(fuzzyPatchCommand, fuzzy, fuzzyOutput)}\n` };
}
