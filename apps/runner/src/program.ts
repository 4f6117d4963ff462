import { Command } from 'commander';
import { packageMeta } from './package-meta';
import { commandRegistrations } from './commands/command-registrations';

/** The `codemonkeys` command line. Each subcommand lives in src/commands/<name>-command.ts. */
export function createProgram(): Command {
  const program = new Command('codemonkeys')
    .description('Run software-engineering agents on SWE-bench-style tasks and measure every stage.')
    .version(packageMeta.version)
    // A hint, not the whole help: after a config error the help would bury the issues listed above it.
    .showHelpAfterError('(add --help for the options)')
    .configureHelp({ sortSubcommands: true });
  for (const register of commandRegistrations) register(program);
  return program;
}
