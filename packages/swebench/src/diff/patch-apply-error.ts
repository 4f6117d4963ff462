import { CodemonkeysError } from '@codemonkeys/protocol';

/** A diff could not be applied: every method (git apply, then patch with fuzz) refused it. */
export class PatchApplyError extends CodemonkeysError {
  static override readonly errorName: string = 'PatchApplyError';
  /** What each method said, in the order they were tried. */
  readonly attempts: readonly { method: string; output: string }[];

  constructor(options: { directory: string; attempts: readonly { method: string; output: string }[]; reason?: string }) {
    const details = options.attempts.map((attempt) => `--- ${attempt.method}:\n${attempt.output.trim().slice(-1500)}`).join('\n');
    super(
      `The patch does not apply in ${options.directory}${options.reason ? `: ${options.reason}` : ''}.\n${details}\n` +
        `Check that the diff was made against the base commit (paths relative to the repository root, with a/ and b/ prefixes, context lines unchanged).`,
    );
    this.attempts = options.attempts;
  }
}
