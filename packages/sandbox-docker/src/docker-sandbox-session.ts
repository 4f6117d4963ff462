import path from 'node:path';
import { Readable } from 'node:stream';
import { SandboxError } from '@codemonkeys/protocol';
import type { ExecOptions, ExecResult, SandboxFile, SandboxLimits, SandboxSession } from '@codemonkeys/protocol';
import type Dockerode from 'dockerode';
import { dockerMessage, dockerStatusCode, toSandboxError } from './docker-errors';
import { runDockerExec, type KillStrategy } from './run-docker-exec';
import { filesRelativeToRoot, packFiles, readFirstArchiveEntry } from './tar-archives';

export interface DockerSessionSettings {
  defaultTimeoutMs: number;
  maxOutputBytes: number;
  killGraceMs: number;
  killStrategy: KillStrategy;
  user?: string;
}

export interface DockerSessionContext {
  docker: Dockerode;
  daemon: string;
  container: Dockerode.Container;
  name: string;
  workdir: string;
  limits: SandboxLimits;
  env: readonly string[];
  settings: DockerSessionSettings;
  onClosed(session: DockerSandboxSession): void;
}

const oomCounterFiles = ['/sys/fs/cgroup/memory/memory.oom_control', '/sys/fs/cgroup/memory.events'];
const maxSymlinkHops = 8;

/** One container: commands run in it through the exec API until `close` removes it. */
export class DockerSandboxSession implements SandboxSession {
  readonly id: string;
  readonly name: string;
  readonly workdir: string;
  readonly limits: SandboxLimits;
  private closing: Promise<void> | undefined;
  /** OOM kills counted in the container's memory cgroup when last read. */
  private oomKills = 0;

  constructor(private readonly context: DockerSessionContext) {
    this.id = context.container.id;
    this.name = context.name;
    this.workdir = context.workdir;
    this.limits = context.limits;
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  async exec(command: string | readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    this.assertOpen();
    const argv = typeof command === 'string' ? ['/bin/sh', '-c', command] : [...command];
    if (argv.length === 0) throw new SandboxError('Cannot run an empty command: give a shell string or a non-empty argv.');
    const timeoutMs = options.timeoutMs ?? this.context.settings.defaultTimeoutMs;
    if (!(timeoutMs > 0)) throw new SandboxError(`timeoutMs must be positive (got ${timeoutMs}).`);
    const maxOutputBytes = options.maxOutputBytes ?? this.context.settings.maxOutputBytes;
    const env = [...this.context.env, ...Object.entries(options.env ?? {}).map(([key, value]) => `${key}=${value}`)];
    let outcome;
    try {
      outcome = await runDockerExec(
        this.context.docker,
        this.context.container,
        {
          argv,
          env,
          cwd: this.resolve(options.cwd ?? '.'),
          timeoutMs,
          maxOutputBytes,
          killGraceMs: this.context.settings.killGraceMs,
          killStrategy: this.context.settings.killStrategy,
          ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
          ...(this.context.settings.user ? { user: this.context.settings.user } : {}),
        },
        () => this.restart(),
      );
    } catch (error) {
      throw await this.failure(error, `run ${JSON.stringify(argv.join(' ').slice(0, 200))}`);
    }
    const result: ExecResult = {
      exitCode: outcome.exitCode,
      stdout: outcome.stdout,
      stderr: outcome.stderr,
      timedOut: outcome.timedOut,
      durationMs: outcome.durationMs,
      truncated: outcome.truncated,
    };
    // A killed process leaves no trace in its exit status but the kernel counts OOM kills per cgroup. Read
    // the counter after failures only, so that successful commands cost one round trip.
    if (!outcome.timedOut && outcome.exitCode !== 0) {
      const oomKilled = await this.readOomKilled();
      if (oomKilled !== undefined) result.oomKilled = oomKilled;
    }
    return result;
  }

  async putFiles(files: readonly SandboxFile[]): Promise<void> {
    this.assertOpen();
    if (files.length === 0) return;
    const entries = filesRelativeToRoot(files, this.workdir);
    try {
      await this.context.container.putArchive(packFiles(entries), { path: '/' });
    } catch (error) {
      throw await this.failure(error, `write ${files.length} file(s) into the container`);
    }
  }

  async putArchive(archive: Uint8Array | AsyncIterable<Uint8Array>, destination: string): Promise<void> {
    this.assertOpen();
    const target = this.resolve(destination);
    await this.ensureDirectory(target);
    const controller = new AbortController();
    const body = archive instanceof Uint8Array ? Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength) : Readable.from(archive, { objectMode: false });
    let sourceError: unknown;
    if (body instanceof Readable) {
      body.once('error', (error) => {
        sourceError = error;
        controller.abort();
      });
    }
    try {
      await this.context.container.putArchive(body, { path: target, abortSignal: controller.signal });
    } catch (error) {
      if (sourceError !== undefined) throw new SandboxError(`Reading the archive for ${target} failed: ${dockerMessage(sourceError)}`, { cause: sourceError });
      throw await this.failure(error, `unpack an archive into ${target}`);
    }
  }

  async readFile(filePath: string): Promise<Uint8Array | undefined> {
    this.assertOpen();
    let target = this.resolve(filePath);
    for (let hop = 0; hop <= maxSymlinkHops; hop += 1) {
      let archive: NodeJS.ReadableStream;
      try {
        archive = await this.context.container.getArchive({ path: target });
      } catch (error) {
        // Docker answers 404 both for a missing path and a missing container; only the text tells them apart.
        if (dockerStatusCode(error) === 404 && /could not find the file/i.test(dockerMessage(error))) return undefined;
        if (/too many links/i.test(dockerMessage(error))) {
          throw new SandboxError(`Cannot read ${filePath} in ${this.name}: too many levels of symbolic links.`, { cause: error });
        }
        throw await this.failure(error, `read ${target}`);
      }
      const entry = await readFirstArchiveEntry(archive);
      if (entry?.type === 'file') return new Uint8Array(entry.content.buffer, entry.content.byteOffset, entry.content.byteLength);
      if (entry?.type === 'symlink') {
        target = path.posix.resolve(path.posix.dirname(target), entry.target);
        continue;
      }
      throw new SandboxError(`Cannot read ${target} in ${this.name}: it is ${entry ? `a ${entry.type === 'other' ? entry.kind : entry.type}` : 'empty'}, not a file.`);
    }
    throw new SandboxError(`Cannot read ${filePath} in ${this.name}: more than ${maxSymlinkHops} symbolic links.`);
  }

  /** Removes the container (and its anonymous volumes). Safe to call more than once. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.context.container.remove({ force: true, v: true });
      } catch (error) {
        const status = dockerStatusCode(error);
        // 404: already gone; 409: a removal is already in progress.
        if (status !== 404 && status !== 409) throw toSandboxError(error, `remove the container ${this.name}`, this.context.daemon);
      } finally {
        this.context.onClosed(this);
      }
    })();
    return this.closing;
  }

  private assertOpen(): void {
    if (this.closing) throw new SandboxError(`The sandbox session ${this.name} is closed; open a new session.`);
  }

  private resolve(target: string): string {
    return path.posix.resolve(this.workdir, target);
  }

  private async ensureDirectory(directory: string): Promise<void> {
    try {
      // dockerode hands the HEAD response back as a stream; unread, it keeps its socket open (and the
      // process alive) after the session is gone.
      const response = (await this.context.container.infoArchive({ path: directory })) as NodeJS.ReadableStream;
      response.resume();
      return;
    } catch (error) {
      // 404 for a missing path (a HEAD request has no body to say more); a missing container fails below.
      if (dockerStatusCode(error) !== 404) throw await this.failure(error, `inspect ${directory}`);
    }
    const created = await this.exec(['mkdir', '-p', directory], { timeoutMs: 60_000, cwd: '/' });
    if (created.exitCode !== 0) throw new SandboxError(`Cannot create ${directory} in ${this.name}: ${created.stderr.trim()}`);
  }

  private async restart(): Promise<void> {
    await this.context.container.restart({ t: 0 });
    this.oomKills = 0; // a restarted container gets a fresh cgroup
  }

  private async readOomKilled(): Promise<boolean | undefined> {
    try {
      const outcome = await runDockerExec(
        this.context.docker,
        this.context.container,
        { argv: ['cat', ...oomCounterFiles], env: [], cwd: '/', timeoutMs: 10_000, maxOutputBytes: 4096, killGraceMs: 1000, killStrategy: 'timeout-command' },
        () => this.restart(),
      );
      const match = /^oom_kill (\d+)$/m.exec(outcome.stdout);
      if (!match) return undefined;
      const count = Number(match[1]);
      const killed = count > this.oomKills;
      this.oomKills = count;
      return killed;
    } catch {
      return undefined;
    }
  }

  /** A SandboxError for a failed Docker call, saying whether the container is gone or stopped. */
  private async failure(error: unknown, action: string): Promise<SandboxError> {
    if (SandboxError.isInstance(error)) return error as SandboxError;
    const status = dockerStatusCode(error);
    if (status === 404 || status === 409) {
      try {
        const info = await this.context.container.inspect();
        if (!info.State.Running) {
          return new SandboxError(
            `Cannot ${action}: the container of sandbox session ${this.name} is not running (exit code ${info.State.ExitCode}` +
              `${info.State.OOMKilled ? ', killed for lack of memory' : ''}). Close this session and open a new one.`,
            { cause: error },
          );
        }
      } catch (inspectError) {
        if (dockerStatusCode(inspectError) === 404) {
          return new SandboxError(`Cannot ${action}: the container of sandbox session ${this.name} was removed. Open a new session.`, { cause: error });
        }
      }
    }
    return toSandboxError(error, action, this.context.daemon);
  }
}
