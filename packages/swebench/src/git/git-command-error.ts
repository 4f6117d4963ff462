import { CodemonkeysError } from '@codemonkeys/protocol';

/** A git (or patch) command exited with an error. Carries the arguments and the end of stderr. */
export class GitCommandError extends CodemonkeysError {
  static override readonly errorName: string = 'GitCommandError';
  readonly command: readonly string[];
  readonly exitCode: number | null;
  readonly stderr: string;

  constructor(options: { command: readonly string[]; cwd: string; exitCode: number | null; stderr: string; hint?: string; cause?: unknown }) {
    const stderr = options.stderr.trim();
    super(
      `\`${options.command.join(' ')}\` failed in ${options.cwd} (exit ${options.exitCode ?? 'signal'})` +
        `${stderr ? `:\n${stderr.slice(-2000)}` : '.'}${options.hint ? `\n${options.hint}` : ''}`,
      { cause: options.cause },
    );
    this.command = options.command;
    this.exitCode = options.exitCode;
    this.stderr = options.stderr;
  }
}
