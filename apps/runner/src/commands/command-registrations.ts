import type { Command } from 'commander';
import { registerEvalCommand } from './eval-command';
import { registerPluginsCommand } from './plugins-command';
import { registerRewardsCommand } from './rewards-command';
import { registerRunsCommand } from './runs-command';

/** Adds one subcommand to the program. */
export type CommandRegistration = (program: Command) => void;

/** Every subcommand of `codemonkeys`; each issue adds its own line. */
export const commandRegistrations: CommandRegistration[] = [
  registerPluginsCommand,
  registerRunsCommand,
  registerEvalCommand,
  registerRewardsCommand,
];
