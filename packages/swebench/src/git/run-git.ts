import { spawn } from 'node:child_process';
import { GitCommandError } from './git-command-error';

export interface RunCommandOptions {
  cwd: string;
  /** Written to stdin, then stdin is closed. */
  input?: string | Uint8Array;
  env?: Record<string, string>;
  /** Resolve with the result instead of throwing when the exit code is not 0. */
  allowFailure?: boolean;
  /** Shown after the error message when the command fails. */
  hint?: string;
}

export interface CommandResult {
  exitCode: number | null;
  stdout: Buffer;
  stderr: string;
}

/**
 * Git must not ask questions, page output, read the user's global config or sign commits: a prompt
 * would hang a worker, and a user's config (aliases, `diff.noprefix`, `core.autocrlf`) would change
 * what diffs look like.
 */
const quietGitEnvironment: Record<string, string> = {
  GIT_TERMINAL_PROMPT: '0',
  GIT_PAGER: 'cat',
  PAGER: 'cat',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  LC_ALL: 'C',
};

/** Runs a program without a shell and collects its output. */
export function runCommand(program: string, args: readonly string[], options: RunCommandOptions): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      cwd: options.cwd,
      env: { ...process.env, ...quietGitEnvironment, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error) =>
      reject(
        new GitCommandError({ command: [program, ...args], cwd: options.cwd, exitCode: null, stderr: error.message, hint: `Is ${program} installed and on PATH?`, cause: error }),
      ),
    );
    child.on('close', (exitCode) => {
      const result: CommandResult = { exitCode, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr).toString('utf8') };
      if (exitCode !== 0 && !options.allowFailure) {
        reject(new GitCommandError({ command: [program, ...args], cwd: options.cwd, exitCode, stderr: result.stderr, ...(options.hint ? { hint: options.hint } : {}) }));
        return;
      }
      resolve(result);
    });
    // A child that exits before reading its input raises EPIPE on stdin; the exit code says what happened.
    child.stdin.on('error', () => undefined);
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  });
}

/** Runs git and returns its stdout as text. */
export async function runGit(args: readonly string[], options: RunCommandOptions): Promise<string> {
  const result = await runCommand('git', args, options);
  return result.stdout.toString('utf8');
}
