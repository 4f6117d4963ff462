import { Command } from 'commander';
import { packageMeta } from './package-meta';
import { commandRegistrations } from './commands/command-registrations';

/** The `codemonkeys` command line. Each subcommand lives in src/commands/<name>-command.ts. */
export function createProgram(): Command {
  const program = new Command('codemonkeys')
    .description('Run software-engineering agents on SWE-bench-style tasks and measure every stage.')
    .version(packageMeta.version)
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: true });
  for (const register of commandRegistrations) register(program);
  return program;
}
