import type Dockerode from 'dockerode';
import { z } from 'zod';

/** Capabilities kept in sandbox containers: Docker's defaults minus raw sockets, mknod, audit, setfcap, chroot. */
export const defaultLinuxCapabilities = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP', 'NET_BIND_SERVICE'];

export const DockerSandboxOptionsSchema = z.object({
  /** A dockerode client to use; by default one is made from `socketPath`, else DOCKER_HOST, else /var/run/docker.sock. */
  docker: z.custom<Dockerode>((value) => typeof value === 'object' && value !== null && 'modem' in value, 'a dockerode instance').optional(),
  socketPath: z.string().min(1).optional(),
  /** Remove containers of crashed runs (owner process gone) when the sandbox is created. */
  reapOnStart: z.boolean().default(true),
  /** Time limit of a command that gives none. */
  defaultTimeoutMs: z
    .number()
    .int()
    .positive()
    .default(30 * 60_000),
  /** Output kept per stream (head and tail) for a command that gives no cap. */
  maxOutputBytes: z
    .number()
    .int()
    .positive()
    .default(10 * 1024 * 1024),
  /** After TERM at the time limit, how long before KILL. */
  killGraceMs: z.number().int().nonnegative().default(2_000),
  /** How commands are stopped at their limit: see KillStrategy. */
  killStrategy: z.enum(['timeout-command', 'restart-container']).default('timeout-command'),
  /** User commands run as (the image's default when absent). */
  user: z.string().min(1).optional(),
  /** Linux capabilities kept (all others dropped). */
  linuxCapabilities: z.array(z.string().regex(/^[A-Z_]+$/)).default(defaultLinuxCapabilities),
  /** Labels added to every container of this sandbox. */
  labels: z.record(z.string(), z.string()).default({}),
});
export type DockerSandboxOptions = z.input<typeof DockerSandboxOptionsSchema>;
export type DockerSandboxSettings = z.output<typeof DockerSandboxOptionsSchema>;
