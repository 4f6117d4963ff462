import { applyDiffInSession } from '@codemonkeys/plugin-kit';
import { type ExecResult, type InstanceSandbox, type SandboxFile, type SandboxSession } from '@codemonkeys/protocol';
import type { EnvironmentSpec } from '../environment/environment-spec';
import { expandCommand } from '../environment/find-environment-spec';
import { environmentShell, sandboxEnvironment } from './environment-shell';

export interface RunOnPatchedRepositoryOptions {
  /** Where to run: an instance sandbox (a session is borrowed and reset afterwards)… */
  instanceSandbox?: InstanceSandbox;
  /** …or a session you manage (left as the command leaves it). */
  session?: SandboxSession;
  /** Applied first, as evaluation applies candidates; omit or '' to run on the base commit. */
  patch?: string;
  /** Written after the patch, relative to the workdir or absolute (a generated test, a coverage config). */
  files?: readonly SandboxFile[];
  /** Shell command, run in the workdir. */
  command: string;
  /**
   * The environment: its variables, pre-test commands (helper servers, exports) and shell (official
   * images activate conda). Default: the instance sandbox's spec when it has one.
   */
  spec?: EnvironmentSpec;
  /** Run the spec's pre-test commands before the command (default true). */
  preTestCommands?: boolean;
  /** Replaces `{instance_id}` and `{version}` in pre-test commands. */
  instance?: { instanceId: string; version?: string | undefined };
  env?: Record<string, string>;
  /** Default 10 minutes. */
  timeoutMs?: number;
  maxOutputBytes?: number;
  /** Files to read back after the command (e.g. `coverage.json`); missing ones are undefined. */
  readFiles?: readonly string[];
}

export type PatchedRepositoryRun =
  | { applied: false; applyOutput: string }
  | {
      applied: true;
      applyMethod: 'git-apply' | 'patch' | 'empty';
      result: ExecResult;
      /** Path → content of each `readFiles` entry, undefined when the file does not exist. */
      files: Record<string, Uint8Array | undefined>;
    };

/**
 * Runs any command on the instance's repository with a patch applied: a generated reproduction test on
 * the base commit and with a candidate, coverage of the gold lines, a selector's test vote. The patch is
 * applied exactly as evaluation applies candidates; the command runs in the environment's shell with the
 * colour-forcing variables unset. Gold data goes in only if the caller puts it in.
 */
export async function runOnPatchedRepository(options: RunOnPatchedRepositoryOptions): Promise<PatchedRepositoryRun> {
  const spec = options.spec ?? (options.instanceSandbox && 'spec' in options.instanceSandbox ? (options.instanceSandbox as { spec: EnvironmentSpec }).spec : undefined);
  const run = async (session: SandboxSession): Promise<PatchedRepositoryRun> => {
    const application = await applyDiffInSession(session, options.patch ?? '');
    if (!application.applied) return { applied: false, applyOutput: application.output };
    if (options.files && options.files.length > 0) await session.putFiles(options.files);
    const pre = spec && (options.preTestCommands ?? true) ? spec.preTestCommands.map((command) => (options.instance ? expandCommand(command, options.instance) : command)) : [];
    const script = [...pre, options.command].join('\n');
    const argv = spec ? environmentShell(spec, script) : ['bash', '-c', script];
    const env = spec ? sandboxEnvironment(spec, options.env) : { ...options.env };
    const result = await session.exec(argv, {
      timeoutMs: options.timeoutMs ?? 600_000,
      env,
      ...(options.maxOutputBytes ? { maxOutputBytes: options.maxOutputBytes } : {}),
    });
    const files: Record<string, Uint8Array | undefined> = {};
    for (const file of options.readFiles ?? []) files[file] = await session.readFile(file);
    return { applied: true, applyMethod: application.method, result, files };
  };
  if (options.session) return run(options.session);
  if (options.instanceSandbox) return options.instanceSandbox.use(run);
  throw new TypeError('runOnPatchedRepository needs an instanceSandbox or a session to run in.');
}
