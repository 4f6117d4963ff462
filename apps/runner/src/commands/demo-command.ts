import { Option, type Command } from 'commander';
import { runDemo } from '../demo/run-demo';

interface DemoFlags {
  output: string;
  docker: boolean;
  keep?: boolean;
  progress: 'auto' | 'bar' | 'lines';
  json?: boolean;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'The whole pipeline offline on bundled example instances: fixture repositories built on the fly, a SCRIPTED loopback model (fixed answers, not a language model), ' +
        'two localizers fused, generated candidates and tests, a vote, SWE-bench verdicts in Docker, SQLite, and the scorecard.',
    )
    .option('--output <dir>', 'folder of the example data, the database, predictions and reports', 'codemonkeys-demo')
    .option('--no-docker', 'run without a sandbox (no test runs, no verdicts)')
    .option('--keep', 'keep the runs of an earlier demo in the folder (the run resumes)')
    .addOption(new Option('--progress <mode>', 'progress on stderr').choices(['auto', 'bar', 'lines']).default('auto'))
    .option('--json', 'print the outcome as JSON on stdout')
    .action(async (flags: DemoFlags) => {
      // Errors (no Docker daemon, no base image: usage errors) go to the CLI's one handler.
      process.exitCode = await runDemo({ output: flags.output, docker: flags.docker, keep: flags.keep ?? false, progress: flags.progress, json: flags.json ?? false });
    });
}
