import type { Duplex } from 'node:stream';
import { Writable } from 'node:stream';
import { SandboxError } from '@codemonkeys/protocol';
import type Dockerode from 'dockerode';
import { HeadTailBuffer } from './head-tail-buffer';

/**
 * How a command is stopped at its time limit. Exec processes cannot be killed through the Docker API, so:
 * - 'timeout-command': run it under coreutils `timeout`, which sends TERM to the command's process group,
 *   then KILL after the grace period; if even that does not end it, the container is restarted.
 * - 'restart-container': restart the container at the limit (kills every process in it; files stay). For
 *   images without coreutils `timeout`.
 */
export type KillStrategy = 'timeout-command' | 'restart-container';

export interface DockerExecRequest {
  argv: readonly string[];
  env: readonly string[];
  cwd: string;
  user?: string;
  stdin?: string;
  timeoutMs: number;
  maxOutputBytes: number;
  killGraceMs: number;
  killStrategy: KillStrategy;
}

export interface DockerExecOutcome {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  truncated: boolean;
  timedOut: boolean;
  durationMs: number;
  /** The container had to be restarted to stop the command. */
  restarted: boolean;
}

/** How long past the limit (and the TERM→KILL grace) `timeout` may take before the container is restarted. */
const guardMarginMs = 5_000;

const seconds = (milliseconds: number): string => `${(milliseconds / 1000).toFixed(3)}s`;

function collectInto(buffer: HeadTailBuffer): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      buffer.push(chunk);
      callback();
    },
  });
}

/**
 * Runs one command through the exec API with stdout and stderr demultiplexed, both capped (head and tail
 * kept), its exit code, and a time limit enforced as `killStrategy` says.
 */
export async function runDockerExec(
  docker: Dockerode,
  container: Dockerode.Container,
  request: DockerExecRequest,
  restartContainer: () => Promise<void>,
): Promise<DockerExecOutcome> {
  const started = performance.now();
  const argv = request.killStrategy === 'timeout-command' ? ['timeout', '-k', seconds(request.killGraceMs), seconds(request.timeoutMs), ...request.argv] : [...request.argv];
  const exec = await container.exec({
    Cmd: argv,
    AttachStdout: true,
    AttachStderr: true,
    AttachStdin: request.stdin !== undefined,
    Tty: false,
    Env: [...request.env],
    WorkingDir: request.cwd,
    ...(request.user ? { User: request.user } : {}),
  });
  const stream = (await exec.start({ hijack: true, stdin: request.stdin !== undefined })) as Duplex;
  const stdout = new HeadTailBuffer(request.maxOutputBytes);
  const stderr = new HeadTailBuffer(request.maxOutputBytes);
  docker.modem.demuxStream(stream, collectInto(stdout), collectInto(stderr));
  const ended = new Promise<void>((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
  if (request.stdin !== undefined) stream.end(Buffer.from(request.stdin, 'utf8'));

  let restarting: Promise<void> | undefined;
  const guardDelay = request.killStrategy === 'timeout-command' ? request.timeoutMs + request.killGraceMs + guardMarginMs : request.timeoutMs;
  const guard = setTimeout(() => {
    // Last resort: restarting kills every process in the container, which ends the exec's streams.
    restarting = restartContainer().finally(() => stream.destroy());
  }, guardDelay);
  try {
    await ended;
  } finally {
    clearTimeout(guard);
  }
  let restarted = false;
  if (restarting) {
    await restarting.catch(() => undefined);
    restarted = true;
  }

  let exitCode: number | null = null;
  if (!restarted) {
    // The stream can end a moment before the daemon records the exit code.
    for (let attempt = 0; attempt < 50; attempt += 1) {
      const info = await exec.inspect();
      if (!info.Running) {
        exitCode = info.ExitCode;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  const durationMs = performance.now() - started;
  // The runtime could not start the process at all (missing cwd, no pids left): a sandbox failure, which
  // Docker reports as exit 126/127 with its message on stdout.
  const startFailure = /^OCI runtime exec failed: (.*)/.exec(stdout.text().trim());
  if (!restarted && startFailure && (exitCode === 126 || exitCode === 127)) {
    throw new SandboxError(`The container could not start ${JSON.stringify(request.argv[0])} in ${request.cwd}: ${startFailure[1]}`);
  }
  // `timeout` exits 124 after TERM, 137 after KILL; the elapsed time tells it from a command exiting so.
  const timedOut = restarted || (request.killStrategy === 'timeout-command' && (exitCode === 124 || exitCode === 137) && durationMs >= request.timeoutMs);
  let stderrText = stderr.text();
  if (restarted) stderrText += `\n[codemonkeys] the container was restarted to stop the command at its ${request.timeoutMs} ms limit\n`;
  return {
    exitCode: timedOut ? null : exitCode,
    stdout: stdout.text(),
    stderr: stderrText,
    truncated: stdout.truncated || stderr.truncated,
    timedOut,
    durationMs,
    restarted,
  };
}
