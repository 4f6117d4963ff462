import { CodemonkeysError } from '@codemonkeys/protocol';

/**
 * A mistake in what the user gave: a flag's value, a config file that cannot be read, a sweep that
 * cannot be expanded. The message names the flag or the file; the CLI prints it and exits 2.
 */
export class UsageError extends CodemonkeysError {
  static override readonly errorName: string = 'UsageError';
}
