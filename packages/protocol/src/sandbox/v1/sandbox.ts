import { z } from 'zod';
import type { SandboxImages } from './sandbox-images';

export const ExecResultSchema = z.object({
  /** null when the process was killed (timeout) before exiting. */
  exitCode: z.number().int().nullable(),
  stdout: z.string(),
  stderr: z.string(),
  timedOut: z.boolean(),
  durationMs: z.number().min(0),
  /** Output over the cap was cut in the middle (head and tail kept). */
  truncated: z.boolean(),
  /**
   * The command (or a process it started) was killed because the sandbox ran out of memory. Absent when
   * the implementation cannot tell.
   */
  oomKilled: z.boolean().optional(),
});
export type ExecResult = z.output<typeof ExecResultSchema>;

export interface ExecOptions {
  /** Kill the command after this long; the result has `timedOut: true`. */
  timeoutMs?: number;
  /** Working directory; defaults to the session's workdir. */
  cwd?: string;
  env?: Record<string, string>;
  stdin?: string;
  /** Keep at most this many bytes of each stream (head and tail). */
  maxOutputBytes?: number;
}

export interface SandboxFile {
  /** Relative to the session's workdir, or absolute inside the sandbox. */
  path: string;
  content: string | Uint8Array;
  mode?: number;
}

/** Resource limits of a sandbox. Network access is never given. */
export const SandboxLimitsSchema = z.object({
  memoryBytes: z
    .number()
    .int()
    .positive()
    .default(4 * 1024 ** 3),
  cpus: z.number().positive().default(1),
  pids: z.number().int().positive().default(512),
});
export type SandboxLimits = z.output<typeof SandboxLimitsSchema>;

export interface SandboxSpec {
  /** Image (or rootfs name) the session starts from. */
  image: string;
  /** Directory of the repository inside the sandbox, e.g. /testbed. */
  workdir: string;
  limits?: Partial<SandboxLimits>;
  /** Extra labels for bookkeeping; the implementation adds its own for cleanup. */
  labels?: Record<string, string>;
  env?: Record<string, string>;
}

/** One isolated environment (a container), reused for many commands. */
export interface SandboxSession {
  readonly id: string;
  readonly workdir: string;
  /** The limits this session runs under, when the sandbox enforces limits (`capabilities.limits`). */
  readonly limits?: SandboxLimits;
  exec(command: string | readonly string[], options?: ExecOptions): Promise<ExecResult>;
  putFiles(files: readonly SandboxFile[]): Promise<void>;
  /** Unpacks a tar archive (bytes or a stream of chunks) into `destination`. */
  putArchive(archive: Uint8Array | AsyncIterable<Uint8Array>, destination: string): Promise<void>;
  /** A file's content, or undefined when it does not exist. */
  readFile(path: string): Promise<Uint8Array | undefined>;
  close(): Promise<void>;
}

export interface SandboxCapabilities {
  /** Limits are enforced (memory, CPU, pids). */
  readonly limits: boolean;
  /** Sessions have no network at all. */
  readonly isolatedNetwork: boolean;
}

/** A provider of sandbox sessions (Docker, ...). */
export interface Sandbox {
  readonly specificationVersion: 'v1';
  readonly name: string;
  readonly capabilities: SandboxCapabilities;
  /**
   * Optional capability: building and pulling images (see `sandboxImagesOf`). Absent when the sandbox
   * can only run images that exist already.
   */
  readonly images?: SandboxImages;
  open(spec: SandboxSpec): Promise<SandboxSession>;
  /** Removes sessions left behind by crashed runs; returns how many were removed. */
  reapLeftovers(): Promise<number>;
  close(): Promise<void>;
}

/**
 * The sandbox of one instance as plugins see it: the repository at the base commit in the instance's
 * environment. `use` lends a session, reset to the base commit before the callback; sessions are pooled
 * and reused across candidates.
 */
export interface InstanceSandbox {
  readonly instanceId: string;
  use<T>(fn: (session: SandboxSession) => Promise<T>): Promise<T>;
}
