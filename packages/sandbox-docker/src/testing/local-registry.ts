import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Availability } from '@codemonkeys/protocol/testkit';
import type Dockerode from 'dockerode';

/** Debian's registry binary (package `docker-registry`, installed by scripts/setup-machine.sh). */
const registryBinary = process.env.CODEMONKEYS_REGISTRY_BINARY ?? 'docker-registry';

/** Whether a local registry can be started here, and how to get one when not. */
export function localRegistryAvailability(): Availability {
  const probe = spawnSync(registryBinary, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    return {
      available: false,
      reason: `no ${registryBinary} binary (${probe.error?.message ?? probe.stderr.trim()}); run scripts/setup-machine.sh (Debian package docker-registry)`,
    };
  }
  return { available: true };
}

/** A registry process on 127.0.0.1 with its storage in a temporary folder. */
export interface LocalRegistry {
  /** `127.0.0.1:PORT`: prefix image names with it to push and pull (Docker allows plain HTTP on loopback). */
  readonly address: string;
  readonly port: number;
  /** Stops the process and removes its storage. */
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (free when asked: the caller binds it right away). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const answers = (port: number): Promise<number | undefined> =>
  new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/v2/', timeout: 2000 }, (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    request.on('error', () => resolve(undefined));
    request.on('timeout', () => request.destroy());
  });

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts Debian's `docker-registry` on a free loopback port with filesystem storage in a new temporary
 * folder, and waits until it answers `/v2/`. Nothing is started as a service; `stop()` ends the process.
 */
export async function startLocalRegistry(): Promise<LocalRegistry> {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'codemonkeys-registry-'));
  const port = await freeLoopbackPort();
  const config = [
    'version: 0.1',
    'log:',
    '  level: warn',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${path.join(directory, 'storage')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    '',
  ].join('\n');
  const configFile = path.join(directory, 'config.yml');
  await fs.writeFile(configFile, config);
  const child = spawn(registryBinary, ['serve', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const stop = async (): Promise<void> => {
    await stopProcess(child);
    await fs.rm(directory, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  while ((await answers(port)) !== 200) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`${registryBinary} did not start on 127.0.0.1:${port}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { address: `127.0.0.1:${port}`, port, stop };
}

export interface ProxiedRequest {
  method: string;
  url: string;
  /** What the proxy answered: its refusal status when it refused, else the registry's status. */
  status: number;
}

/** A loopback HTTP proxy in front of a registry that refuses the first manifest requests (429, or a 5xx). */
export interface RateLimitingProxy {
  readonly address: string;
  /** Every request seen, in order. */
  readonly requests: readonly ProxiedRequest[];
  stop(): Promise<void>;
}

/**
 * Forwards everything to `upstream` (`127.0.0.1:PORT`) except the first `refusedManifestRequests`
 * requests for a manifest, which get Docker Hub's rate-limit answer: HTTP 429, `Retry-After`, and a
 * `TOOMANYREQUESTS` error body (or, with `status` 5xx, a bare server error). Docker sends a HEAD then a
 * GET for a manifest: refuse both for one failed pull.
 */
export async function startRateLimitingProxy(options: {
  upstream: string;
  refusedManifestRequests: number;
  retryAfterSeconds?: number;
  status?: 429 | 500 | 502 | 503 | 504;
}): Promise<RateLimitingProxy> {
  const refusal = options.status ?? 429;
  const [upstreamHost, upstreamPort] = options.upstream.split(':');
  const requests: ProxiedRequest[] = [];
  let refused = 0;
  const server = http.createServer((request, response) => {
    const url = request.url ?? '/';
    if (/\/manifests\//.test(url) && refused < options.refusedManifestRequests) {
      refused += 1;
      requests.push({ method: request.method ?? 'GET', url, status: refusal });
      if (refusal !== 429) {
        response.writeHead(refusal, { 'Content-Type': 'text/plain' });
        response.end('upstream unavailable (loopback test proxy)\n');
        return;
      }
      response.writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': String(options.retryAfterSeconds ?? 1) });
      response.end(JSON.stringify({ errors: [{ code: 'TOOMANYREQUESTS', message: 'You have reached your pull rate limit.', detail: 'loopback test proxy' }] }));
      return;
    }
    const upstream = http.request({ host: upstreamHost, port: Number(upstreamPort), method: request.method, path: url, headers: request.headers }, (answer) => {
      requests.push({ method: request.method ?? 'GET', url, status: answer.statusCode ?? 0 });
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    upstream.on('error', (error) => {
      requests.push({ method: request.method ?? 'GET', url, status: 502 });
      response.writeHead(502);
      response.end(String(error));
    });
    request.pipe(upstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Pushes a local image (its name starts with the registry's address) and fails with the daemon's words when the push does. */
export async function pushImage(docker: Dockerode, reference: string): Promise<void> {
  // The daemon wants an X-Registry-Auth header even for a registry without authentication.
  const stream = await docker.getImage(reference).push({ authconfig: { serveraddress: reference.split('/')[0] } });
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, output: Array<{ error?: string }>) => {
      const failure = error ?? output.find((line) => line.error);
      if (failure) reject(new Error(`Pushing ${reference} failed: ${failure instanceof Error ? failure.message : failure.error}`));
      else resolve();
    });
  });
}
