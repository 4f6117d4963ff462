import type { z } from 'zod';
import { CodemonkeysError } from './codemonkeys-error';
import { formatZodError } from '../schema/format-zod-error';

/** Data crossing a boundary (config, model output, storage read) failed validation. */
export class SchemaValidationError extends CodemonkeysError {
  static override readonly errorName: string = 'SchemaValidationError';
  readonly subject: string;
  readonly issues: readonly z.core.$ZodIssue[];

  constructor(options: { subject: string; error: z.ZodError; hint?: string }) {
    super(`${options.subject} is invalid:\n${formatZodError(options.error)}${options.hint ? `\n${options.hint}` : ''}`);
    this.subject = options.subject;
    this.issues = options.error.issues;
  }
}

/** A dataset file has a line (or record) that cannot be read. Names the file and the line. */
export class DatasetError extends CodemonkeysError {
  static override readonly errorName: string = 'DatasetError';
  readonly file: string;
  readonly line: number | undefined;

  constructor(options: { file: string; line?: number; reason: string; cause?: unknown }) {
    super(`${options.file}${options.line === undefined ? '' : `:${options.line}`}: ${options.reason}`, { cause: options.cause });
    this.file = options.file;
    this.line = options.line;
  }
}

/** A path given by a plugin, a model or a patch points outside the repository. */
export class PathOutsideRepositoryError extends CodemonkeysError {
  static override readonly errorName: string = 'PathOutsideRepositoryError';
  readonly path: string;

  constructor(options: { path: string; reason?: string }) {
    super(`Refused path "${options.path}": ${options.reason ?? 'it points outside the repository'}. ` + `Paths must be relative to the repository root and stay inside it.`);
    this.path = options.path;
  }
}

/** A file, instance or record that was asked for does not exist. */
export class NotFoundError extends CodemonkeysError {
  static override readonly errorName: string = 'NotFoundError';
}
