#!/usr/bin/env node
import type { Command } from 'commander';
import { describeCliFailure } from './commands/cli-errors';
import { createProgram } from './program';

/** Commander throws instead of exiting, so every error reaches the one handler below. */
const throwInsteadOfExiting = (command: Command): void => {
  command.exitOverride();
  for (const subcommand of command.commands) throwInsteadOfExiting(subcommand);
};

const program = createProgram();
throwInsteadOfExiting(program);
try {
  await program.parseAsync(process.argv);
} catch (error) {
  const failure = describeCliFailure(error);
  if (!failure) throw error;
  process.stderr.write(failure.message);
  process.exitCode = failure.exitCode;
}
