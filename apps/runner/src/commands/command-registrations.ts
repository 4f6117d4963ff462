import type { Command } from 'commander';
import { registerCompareCommand } from './compare-command';
import { registerDemoCommand } from './demo-command';
import { registerEvalCommand } from './eval-command';
import { registerExportCommand } from './export-command';
import { registerImportCommand } from './import-command';
import { registerPluginsCommand } from './plugins-command';
import { registerReportCommand } from './report-command';
import { registerRewardsCommand } from './rewards-command';
import { registerRunCommand } from './run-command';
import { registerRunsCommand } from './runs-command';
import { registerSelectCommand } from './select-command';
import { registerWorkerCommand } from './worker-command';

/** Adds one subcommand to the program. */
export type CommandRegistration = (program: Command) => void;

/** Every subcommand of `codemonkeys`; each issue adds its own line. */
export const commandRegistrations: CommandRegistration[] = [
  registerRunCommand,
  registerReportCommand,
  registerWorkerCommand,
  registerDemoCommand,
  registerPluginsCommand,
  registerRunsCommand,
  registerEvalCommand,
  registerRewardsCommand,
  registerCompareCommand,
  registerImportCommand,
  registerExportCommand,
  registerSelectCommand,
];
