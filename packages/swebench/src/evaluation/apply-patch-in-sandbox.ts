import { CodemonkeysError, normalizeRepositoryPath, type SandboxSession } from '@codemonkeys/core';
import { patchApplyCommands } from '../diff/apply-patch';
import { parseUnifiedDiff } from '../diff/parse-unified-diff';

export type SandboxPatchApplication =
  | { applied: true; method: 'git-apply' | 'patch' | 'empty'; output: string }
  | { applied: false; output: string; /** The diff was refused before anything ran (bad paths, no file headers). */ refused: boolean };

export interface ApplyPatchInSandboxOptions {
  /** Time limit of each apply command (default 2 minutes). */
  timeoutMs?: number;
  /** Directory to apply in (default the session's workdir). */
  cwd?: string;
}

/**
 * Applies a candidate diff inside a sandbox session as SWE-bench's harness does: `git apply --verbose`,
 * and when that refuses, `patch --batch --fuzz=5 -p1` (which, like the harness, applies a patch that
 * looks reversed in reverse). A diff whose paths leave the repository, or that has no file headers, is
 * refused before anything runs. A missing final newline is added (models often drop it; git would call
 * the patch corrupt). An empty diff applies trivially.
 */
export async function applyPatchInSandbox(session: SandboxSession, diff: string, options: ApplyPatchInSandboxOptions = {}): Promise<SandboxPatchApplication> {
  if (diff.trim() === '') return { applied: true, method: 'empty', output: '' };
  const text = diff.endsWith('\n') ? diff : `${diff}\n`;
  let files;
  try {
    files = parseUnifiedDiff(text);
    for (const file of files) for (const candidate of [file.oldPath, file.newPath]) if (candidate !== null) normalizeRepositoryPath(candidate);
  } catch (error) {
    if (!CodemonkeysError.isInstance(error)) throw error;
    return { applied: false, refused: true, output: (error as Error).message };
  }
  if (files.length === 0) return { applied: false, refused: true, output: 'The diff has no file headers (diff --git, ---/+++) or hunks.' };
  const execOptions = { timeoutMs: options.timeoutMs ?? 120_000, stdin: text, ...(options.cwd ? { cwd: options.cwd } : {}) };
  const git = await session.exec([...patchApplyCommands.gitApply], execOptions);
  const gitOutput = `${git.stdout}${git.stderr}`;
  if (git.exitCode === 0) return { applied: true, method: 'git-apply', output: gitOutput };
  const fuzzy = await session.exec([...patchApplyCommands.fuzzyPatch()], execOptions);
  const fuzzyOutput = `${fuzzy.stdout}${fuzzy.stderr}`;
  if (fuzzy.exitCode === 0) return { applied: true, method: 'patch', output: `${gitOutput}${fuzzyOutput}` };
  const describe = (name: string, result: { timedOut: boolean; exitCode: number | null }, output: string) =>
    `--- ${name} ${result.timedOut ? 'timed out' : `exited with ${result.exitCode}`}:\n${output.trim().slice(-3000)}`;
  return {
    applied: false,
    refused: false,
    output: `${describe(patchApplyCommands.gitApply.join(' '), git, gitOutput)}\n${describe(patchApplyCommands.fuzzyPatch().join(' '), fuzzy, fuzzyOutput)}\n`,
  };
}
