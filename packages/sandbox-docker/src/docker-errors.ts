import { SandboxError } from '@codemonkeys/protocol';

interface DockerLikeError {
  code?: string;
  statusCode?: number;
  reason?: string;
  json?: { message?: string } | null;
  message?: string;
  address?: string;
}

const connectionCodes = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

/** The daemon's own message (dockerode puts it in `json.message`), else the error's. */
export function dockerMessage(error: unknown): string {
  const candidate = error as DockerLikeError | undefined;
  const fromDaemon = candidate?.json && typeof candidate.json === 'object' ? candidate.json.message : undefined;
  return (fromDaemon ?? candidate?.message ?? String(error)).trim();
}

export const dockerStatusCode = (error: unknown): number | undefined => (error as DockerLikeError | undefined)?.statusCode;

export function isDaemonUnreachable(error: unknown): boolean {
  const code = (error as DockerLikeError | undefined)?.code;
  return typeof code === 'string' && connectionCodes.has(code);
}

/** "the Docker daemon at unix:///var/run/docker.sock" or the DOCKER_HOST address. */
export function describeDaemon(modem: { socketPath?: unknown; host?: unknown; port?: unknown; protocol?: unknown }): string {
  if (typeof modem.socketPath === 'string') return `the Docker daemon at unix://${modem.socketPath}`;
  if (typeof modem.host === 'string') return `the Docker daemon at ${String(modem.protocol ?? 'http')}://${modem.host}:${String(modem.port ?? '')}`;
  return 'the Docker daemon';
}

export function daemonUnreachableError(daemon: string, error: unknown): SandboxError {
  return new SandboxError(
    `Cannot reach ${daemon} (${dockerMessage(error)}). Start dockerd (scripts/setup-machine.sh does it on a fresh ` +
      'machine) or point DOCKER_HOST / the socketPath option at a running daemon.',
    { cause: error },
  );
}

export function imageMissingError(image: string, error?: unknown): SandboxError {
  return new SandboxError(
    `The image "${image}" is not in the local Docker daemon and cannot be pulled here. Build it first: ` +
      'scripts/build-base-image.sh builds the offline base image (codemonkeys/base:<debian release>), and ' +
      '`sandbox.images.ensure({ tag, dockerfile, files })` builds an environment image FROM it.',
    { cause: error },
  );
}

/** Wraps any failure of a Docker call in a SandboxError that names the action and says what to do. */
export function toSandboxError(error: unknown, action: string, daemon: string): SandboxError {
  if (SandboxError.isInstance(error)) return error as SandboxError;
  if (isDaemonUnreachable(error)) return daemonUnreachableError(daemon, error);
  const status = dockerStatusCode(error);
  return new SandboxError(`Docker could not ${action}${status ? ` (HTTP ${status})` : ''}: ${dockerMessage(error)}`, { cause: error });
}
