import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { SandboxError, SandboxLimitsSchema, parseWithSchema } from '@codemonkeys/protocol';
import type { Sandbox, SandboxCapabilities, SandboxSession, SandboxSpec } from '@codemonkeys/protocol';
import Dockerode from 'dockerode';
import { daemonUnreachableError, describeDaemon, dockerMessage, dockerStatusCode, imageMissingError, isDaemonUnreachable, toSandboxError } from './docker-errors';
import { DockerImages } from './docker-images';
import { DockerSandboxSession } from './docker-sandbox-session';
import { DockerSandboxOptionsSchema, type DockerSandboxOptions, type DockerSandboxSettings } from './docker-sandbox-options';
import { currentOwner } from './owner-identity';
import { reapLeftoverContainers } from './reap-leftover-containers';
import { ownerLabels, sandboxLabels } from './sandbox-labels';

/**
 * Core's Sandbox over a Docker daemon. Each session is one container: no network at all, memory / CPU /
 * pids limits, all but a few capabilities dropped, no new privileges, no host mounts, labelled with its
 * owner so that a crashed run's containers can be told from a live one's. Commands run through the exec
 * API with time limits and capped output.
 */
export class DockerSandbox implements Sandbox {
  readonly specificationVersion = 'v1' as const;
  readonly name = 'docker';
  readonly capabilities: SandboxCapabilities = { limits: true, isolatedNetwork: true };
  /** Labels this sandbox's containers carry (its instance id included): what tests and cleanup filter on. */
  readonly instanceLabel: { key: string; value: string };
  readonly images: DockerImages;
  readonly docker: Dockerode;
  private readonly daemon: string;
  private readonly sessions = new Set<DockerSandboxSession>();
  private closed = false;

  constructor(private readonly settings: DockerSandboxSettings) {
    this.docker = settings.docker ?? new Dockerode(settings.socketPath ? { socketPath: settings.socketPath } : undefined);
    this.daemon = describeDaemon(this.docker.modem as object);
    this.images = new DockerImages(this.docker, this.daemon);
    this.instanceLabel = { key: sandboxLabels.sandboxInstance, value: randomUUID() };
  }

  /** Fails with a SandboxError that says how to start Docker when the daemon does not answer. */
  async ping(): Promise<void> {
    try {
      await this.docker.ping();
    } catch (error) {
      throw isDaemonUnreachable(error) ? daemonUnreachableError(this.daemon, error) : toSandboxError(error, 'answer a ping', this.daemon);
    }
  }

  async open(spec: SandboxSpec): Promise<SandboxSession> {
    if (this.closed) throw new SandboxError('This Docker sandbox is closed; create a new one.');
    if (!path.posix.isAbsolute(spec.workdir)) throw new SandboxError(`The sandbox workdir must be an absolute path (got "${spec.workdir}").`);
    const limits = parseWithSchema(SandboxLimitsSchema, spec.limits ?? {}, 'sandbox limits');
    const name = `codemonkeys-${randomUUID().slice(0, 13)}`;
    const labels = {
      ...this.settings.labels,
      ...spec.labels,
      [sandboxLabels.sandbox]: '1',
      [this.instanceLabel.key]: this.instanceLabel.value,
      [sandboxLabels.created]: new Date().toISOString(),
      ...ownerLabels(currentOwner()),
    };
    const env = Object.entries(spec.env ?? {}).map(([key, value]) => `${key}=${value}`);
    let container: Dockerode.Container;
    try {
      container = await this.docker.createContainer({
        name,
        Image: spec.image,
        // Imported images have no CMD, and an image's own entrypoint must not run: the container only
        // idles under an init (tini) that reaps the orphans commands leave; work happens in exec.
        Entrypoint: ['sleep'],
        Cmd: ['infinity'],
        WorkingDir: spec.workdir,
        Env: env,
        Labels: labels,
        NetworkDisabled: true,
        ...(this.settings.user ? { User: this.settings.user } : {}),
        HostConfig: {
          NetworkMode: 'none',
          Init: true,
          Memory: limits.memoryBytes,
          MemorySwap: limits.memoryBytes, // no swap on top of the memory limit
          NanoCpus: Math.round(limits.cpus * 1e9),
          PidsLimit: limits.pids,
          CapDrop: ['ALL'],
          CapAdd: this.settings.linuxCapabilities,
          SecurityOpt: ['no-new-privileges'],
          Privileged: false,
          IpcMode: 'private',
          Binds: [],
          Mounts: [],
          LogConfig: { Type: 'none', Config: {} },
        },
      });
    } catch (error) {
      if (dockerStatusCode(error) === 404 && /no such image/i.test(dockerMessage(error))) throw imageMissingError(spec.image, error);
      throw toSandboxError(error, `create a container from ${spec.image}`, this.daemon);
    }
    try {
      await container.start();
    } catch (error) {
      await container.remove({ force: true, v: true }).catch(() => undefined);
      throw toSandboxError(error, `start a container from ${spec.image}`, this.daemon);
    }
    const session = new DockerSandboxSession({
      docker: this.docker,
      daemon: this.daemon,
      container,
      name,
      workdir: spec.workdir,
      limits,
      env,
      settings: {
        defaultTimeoutMs: this.settings.defaultTimeoutMs,
        maxOutputBytes: this.settings.maxOutputBytes,
        killGraceMs: this.settings.killGraceMs,
        killStrategy: this.settings.killStrategy,
        ...(this.settings.user ? { user: this.settings.user } : {}),
      },
      onClosed: (closed) => this.sessions.delete(closed),
    });
    this.sessions.add(session);
    if (this.closed) {
      await session.close();
      throw new SandboxError('This Docker sandbox was closed while a session was opening.');
    }
    return session;
  }

  /** Removes containers of crashed runs (never a live process's); returns how many. */
  async reapLeftovers(): Promise<number> {
    return (await reapLeftoverContainers(this.docker, this.daemon)).removed.length;
  }

  /** Sessions of this sandbox that are open. */
  get openSessions(): number {
    return this.sessions.size;
  }

  /** Closes (removes) every session still open. */
  async close(): Promise<void> {
    this.closed = true;
    const results = await Promise.allSettled([...this.sessions].map((session) => session.close()));
    const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failure) throw failure.reason;
  }
}

/**
 * A Docker sandbox, checked to reach its daemon; containers of crashed runs are removed first unless
 * `reapOnStart: false`. Options are validated (a SchemaValidationError lists the problems).
 */
export async function createDockerSandbox(options: DockerSandboxOptions = {}): Promise<DockerSandbox> {
  const settings = parseWithSchema(DockerSandboxOptionsSchema, options, 'Docker sandbox options');
  const sandbox = new DockerSandbox(settings);
  await sandbox.ping();
  if (settings.reapOnStart) await sandbox.reapLeftovers();
  return sandbox;
}
