import path from 'node:path';
import { runCommand } from '../git/run-git';
import { PatchApplyError } from './patch-apply-error';
import { assertPatchStaysInRepository } from './patch-path-safety';

/**
 * SWE-bench's order of attempts: `git apply` first, then GNU patch with fuzz, exactly as its harness
 * runs them (for use inside containers). Note that `patch --batch` applies a patch that looks
 * reversed in reverse; `applyPatch` adds `--forward` unless told otherwise.
 */
export const patchApplyCommands = {
  gitApply: ['git', 'apply', '--verbose', '--whitespace=nowarn'],
  fuzzyPatch: (fuzz = 5) => ['patch', '--batch', `--fuzz=${fuzz}`, '-p1', '--no-backup-if-mismatch', '--reject-file=-'],
} as const;

export interface ApplyPatchOptions {
  /** Try GNU patch with fuzz when `git apply` refuses (default true). */
  fuzzFallback?: boolean;
  /** Fuzz factor of the fallback (default 5, as SWE-bench). */
  fuzz?: number;
  /**
   * Let GNU patch apply a patch that looks reversed, in reverse, as `patch --batch` does in
   * SWE-bench's harness (default false: a reversed patch is refused, since applying it backwards
   * undoes code instead of changing it).
   */
  allowReversed?: boolean;
}

export interface ApplyPatchResult {
  /** `empty` when the diff changes nothing (no command ran). */
  method: 'git-apply' | 'patch' | 'empty';
  /** Output of the command that applied it. */
  output: string;
  /** Paths the diff touches. */
  paths: string[];
}

/** Whether the diff's headers use git's `a/` `b/` prefixes (then strip one path component). */
function stripLevel(diff: string): number {
  const headers = diff
    .split('\n')
    .filter((line) => /^(---|\+\+\+) /.test(line))
    .map((line) => line.slice(4).replace(/^"/, ''));
  if (headers.length === 0) return 1;
  return headers.every((header) => header.startsWith('/dev/null') || /^[ab]\//.test(header)) ? 1 : 0;
}

/**
 * Applies a unified diff to the files under `directory` (a repository checkout): `git apply`, then
 * `patch --batch --fuzz=5 -p1` (checked with `--dry-run` first, so a failure leaves the files as they
 * were). Refuses, before touching anything, a diff that writes outside the directory
 * (PathOutsideRepositoryError). Throws PatchApplyError with each method's output when nothing applies.
 */
export async function applyPatch(directory: string, diff: string, options: ApplyPatchOptions = {}): Promise<ApplyPatchResult> {
  if (diff.trim() === '') return { method: 'empty', output: '', paths: [] };
  const text = diff.endsWith('\n') ? diff : `${diff}\n`;
  const files = await assertPatchStaysInRepository(directory, text);
  const paths = [...new Set(files.flatMap((file) => [file.oldPath, file.newPath]).filter((value): value is string => value !== null))];
  if (files.length === 0) {
    throw new PatchApplyError({ directory, attempts: [], reason: 'the text has no file headers (diff --git, ---/+++) or hunks' });
  }
  const level = stripLevel(text);
  // Inside an enclosing repository git apply would skip paths outside the current folder without a
  // word; the ceiling keeps it from looking above `directory`.
  const environment = { GIT_CEILING_DIRECTORIES: path.dirname(path.resolve(directory)) };
  const attempts: { method: string; output: string }[] = [];

  const [gitProgram, ...gitArgs] = patchApplyCommands.gitApply;
  const git = await runCommand(gitProgram!, [...gitArgs, `-p${level}`, '-'], { cwd: directory, input: text, allowFailure: true, env: environment });
  if (git.exitCode === 0) return { method: 'git-apply', output: git.stderr + git.stdout.toString('utf8'), paths };
  attempts.push({ method: 'git apply', output: git.stderr });

  if (options.fuzzFallback ?? true) {
    const [patchProgram, ...patchArgs] = patchApplyCommands.fuzzyPatch(options.fuzz ?? 5);
    const args = [...patchArgs.map((argument) => (argument === '-p1' ? `-p${level}` : argument)), ...(options.allowReversed ? [] : ['--forward'])];
    const dryRun = await runCommand(patchProgram!, [...args, '--dry-run'], { cwd: directory, input: text, allowFailure: true });
    if (dryRun.exitCode === 0) {
      const applied = await runCommand(patchProgram!, args, { cwd: directory, input: text, allowFailure: true });
      if (applied.exitCode === 0) return { method: 'patch', output: applied.stdout.toString('utf8') + applied.stderr, paths };
      attempts.push({ method: 'patch', output: applied.stdout.toString('utf8') + applied.stderr });
    } else {
      attempts.push({ method: 'patch --dry-run', output: dryRun.stdout.toString('utf8') + dryRun.stderr });
    }
  }
  throw new PatchApplyError({ directory, attempts });
}
