import { CodemonkeysError } from './codemonkeys-error';

/** An optional capability (outline, writable copies, a sandbox, ...) is not provided by this implementation. */
export class UnsupportedCapabilityError extends CodemonkeysError {
  static override readonly errorName: string = 'UnsupportedCapabilityError';
  readonly capability: string;

  constructor(options: { capability: string; provider: string; hint?: string }) {
    super(`${options.provider} does not support "${options.capability}".${options.hint ? ` ${options.hint}` : ''}`);
    this.capability = options.capability;
  }
}

/** Storage failed to read or write a record. Prefixed with the backend's name. */
export class StorageError extends CodemonkeysError {
  static override readonly errorName: string = 'StorageError';
  readonly backend: string;

  constructor(options: { backend: string; message: string; cause?: unknown }) {
    super(`[${options.backend}] ${options.message}`, { cause: options.cause });
    this.backend = options.backend;
  }
}
