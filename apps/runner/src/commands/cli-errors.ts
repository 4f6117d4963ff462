import { CommanderError } from 'commander';
import {
  CodemonkeysError,
  DatasetError,
  InvalidPluginError,
  InvalidPluginOptionsError,
  NoSuchPluginError,
  NotFoundError,
  SchemaValidationError,
  UnsupportedSpecificationVersionError,
} from '@codemonkeys/protocol';
import { UsageError } from '../config/usage-error';
import { exitCodes } from '../exit-codes';
import { CodeExperimentError } from '../experiment/code-experiment';
import { InvalidStorageUrlError, StoragePathError } from '../storage/storage-url';

/**
 * The error classes that mean the input is wrong (exit 2), not that running failed (exit 1): flags and
 * config files, datasets, predictions and labels files, plugin names and options, storage URLs and paths,
 * code experiment modules, and runs, instances or files named that do not exist.
 */
const usageErrorClasses = [
  UsageError,
  SchemaValidationError,
  DatasetError,
  NotFoundError,
  NoSuchPluginError,
  InvalidPluginError,
  InvalidPluginOptionsError,
  UnsupportedSpecificationVersionError,
  InvalidStorageUrlError,
  StoragePathError,
  CodeExperimentError,
] as const;

/** True when `error` says the command line, a config, a dataset or a name given is wrong (exit 2). */
export function isUsageError(error: unknown): boolean {
  return usageErrorClasses.some((errorClass) => errorClass.isInstance(error));
}

/** A failure of the filesystem or the network as Node reports it (`EEXIST: file already exists, mkdir '/x'`). */
const isSystemError = (error: unknown): error is NodeJS.ErrnoException =>
  error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && typeof (error as NodeJS.ErrnoException).syscall === 'string';

/** What the CLI prints for an error that ended a command, and the exit code. */
export interface CliFailure {
  /** The text for stderr (empty when commander already printed it). */
  message: string;
  exitCode: number;
}

/**
 * The one place the CLI turns an error into its exit code (see exit-codes.ts and the README):
 * usage errors exit 2, other codemonkeys errors and Node system errors 1, each printed as `error: ...`
 * without a stack trace. Commander's own errors (unknown option, bad choice, missing argument) were
 * printed by commander and exit 2; help and version exit 0. Anything else is a bug and is undefined
 * here, so the caller rethrows it with its stack.
 */
export function describeCliFailure(error: unknown): CliFailure | undefined {
  if (error instanceof CommanderError) {
    // Codes of our own `command.error(..., { code: 'codemonkeys.*' })` keep their exit code.
    const exitCode = error.code.startsWith('codemonkeys.') || error.exitCode === exitCodes.ok ? error.exitCode : exitCodes.usage;
    return { message: '', exitCode };
  }
  if (CodemonkeysError.isInstance(error)) return { message: `error: ${error.message}\n`, exitCode: isUsageError(error) ? exitCodes.usage : exitCodes.failure };
  if (isSystemError(error)) return { message: `error: ${error.message}\n`, exitCode: exitCodes.failure };
  return undefined;
}
