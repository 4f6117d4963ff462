import { CodemonkeysError } from './codemonkeys-error';

/** The sandbox could not do what was asked (daemon unreachable, image missing, container died). */
export class SandboxError extends CodemonkeysError {
  static override readonly errorName: string = 'SandboxError';
}

/** A command in the sandbox ran past its time limit and was killed. */
export class SandboxTimeoutError extends SandboxError {
  static override readonly errorName: string = 'SandboxTimeoutError';
  readonly timeoutMs: number;

  constructor(options: { command: string; timeoutMs: number; cause?: unknown }) {
    super(`Sandbox command timed out after ${options.timeoutMs} ms: ${options.command}`, { cause: options.cause });
    this.timeoutMs = options.timeoutMs;
  }
}
