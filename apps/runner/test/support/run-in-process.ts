import { PassThrough } from 'node:stream';
import type { RunCommandFlags } from '../../src/commands/run-command';
import { runExperimentCommand } from '../../src/execution/run-experiment-command';

/** What `codemonkeys run` printed and returned, run in this process. */
export interface Invocation {
  code: number;
  stdout: string;
  stderr: string;
}

/** The flags commander hands over when none is given, with `more` on top. */
export const runFlags = (more: Partial<RunCommandFlags> = {}): RunCommandFlags => ({
  instances: [],
  localizer: [],
  set: [],
  vary: [],
  repository: [],
  rewards: true,
  progress: 'lines',
  ...more,
});

/** `codemonkeys run` in this process (no signal handlers), its stdout and stderr captured. */
export async function runInProcess(cwd: string, experiment: string | undefined, more: Partial<RunCommandFlags> = {}): Promise<Invocation> {
  const stdout = new PassThrough();
  const stderr = new PassThrough() as unknown as NodeJS.WriteStream;
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  (stderr as unknown as PassThrough).on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await runExperimentCommand({ experiment, flags: runFlags(more), cwd, stdout, stderr, handleSignals: false });
  return { code, stdout: out, stderr: err };
}
