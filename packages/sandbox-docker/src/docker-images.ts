import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { SandboxError, SandboxTimeoutError } from '@codemonkeys/protocol';
import type { SandboxFile, SandboxImage, SandboxImageDefinition, SandboxImages } from '@codemonkeys/protocol';
import type Dockerode from 'dockerode';
import { dockerMessage, dockerStatusCode, isDaemonUnreachable, toSandboxError } from './docker-errors';
import {
  enforceImageDiskBudget,
  imageDiskUsage,
  recordImageUse,
  type BudgetImage,
  type ImageDiskBudgetOptions,
  type ImageDiskBudgetResult,
  type ImageDiskUsage,
} from './image-disk-budget';
import { classifyPullFailure, ImagePullError, pullProgressLines, pullRetryDelayMs, pullRetrySettings, sleep, type PullImageOptions } from './image-pull';
import { sandboxLabels } from './sandbox-labels';
import { packFiles } from './tar-archives';

/** A file of a build context (path relative to the context root): core's SandboxFile. */
export type BuildContextFile = SandboxFile;

export interface BuildImageOptions {
  /** Name:tag of the image. */
  tag: string;
  /** Dockerfile text, added to the context as `Dockerfile`. */
  dockerfile?: string;
  /** The build context: files, or a tar archive (bytes or a stream) that holds the Dockerfile. */
  context?: readonly BuildContextFile[] | Uint8Array | AsyncIterable<Uint8Array>;
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
  /** Stop the build after this long (SandboxTimeoutError). Default 30 minutes. */
  timeoutMs?: number;
  /** Each line of build output, as it comes. */
  onLog?: (line: string) => void;
}

export interface ImportImageOptions {
  tag: string;
  /** A root file system as a tar archive: a file path, bytes or a stream. */
  rootfs: string | Uint8Array | AsyncIterable<Uint8Array>;
  /** Dockerfile instructions applied on import, e.g. `CMD ["/bin/sh"]`, `ENV LANG=C.UTF-8`. */
  changes?: readonly string[];
  labels?: Record<string, string>;
}

/** What `ensure` builds: core's SandboxImageDefinition (a Dockerfile and its files, hashed). */
export type ImageDefinition = SandboxImageDefinition;

/** An image and whether this call built it: core's SandboxImage. */
export type ImageInfo = SandboxImage;

const defaultBuildTimeoutMs = 30 * 60_000;
const logTailLines = 60;

/** In-flight `ensure` calls per daemon and tag, so that concurrent callers in this process build once. */
const inFlight = new Map<string, Promise<ImageInfo>>();

const toBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** Hash of everything a build depends on, so a changed Dockerfile or context file means a rebuild. */
export function imageDefinitionHash(definition: Pick<ImageDefinition, 'dockerfile' | 'files' | 'buildArgs'>): string {
  const hash = createHash('sha256');
  hash.update(`dockerfile\0${definition.dockerfile}\0`);
  for (const file of [...(definition.files ?? [])].sort((left, right) => (left.path < right.path ? -1 : left.path > right.path ? 1 : 0))) {
    hash.update(`file\0${file.path}\0${file.mode ?? 0o644}\0`);
    hash.update(typeof file.content === 'string' ? Buffer.from(file.content, 'utf8') : toBuffer(file.content));
    hash.update('\0');
  }
  for (const [key, value] of Object.entries(definition.buildArgs ?? {}).sort()) hash.update(`arg\0${key}\0${value}\0`);
  return hash.digest('hex');
}

/**
 * Images of one Docker daemon: build from a Dockerfile, import a root file system, pull (with retries),
 * ensure, and keep a set of images within a disk budget. It is the Docker sandbox's `images` capability
 * (core's SandboxImages). Every image this process builds, pulls, ensures or finds with `exists` counts as
 * used then, for the least-recently-used order of `enforceDiskBudget`.
 */
export class DockerImages implements SandboxImages {
  constructor(
    private readonly docker: Dockerode,
    private readonly daemon: string,
  ) {}

  /** The image's labels, or undefined when the daemon has no such image. */
  async inspect(tag: string): Promise<{ id: string; labels: Record<string, string> } | undefined> {
    try {
      const info = await this.docker.getImage(tag).inspect();
      return { id: info.Id, labels: info.Config?.Labels ?? {} };
    } catch (error) {
      if (dockerStatusCode(error) === 404) return undefined;
      throw toSandboxError(error, `inspect the image ${tag}`, this.daemon);
    }
  }

  async exists(tag: string): Promise<boolean> {
    const info = await this.inspect(tag);
    if (info) recordImageUse(this.daemon, info.id);
    return info !== undefined;
  }

  /** Builds an image from a Dockerfile and its context; the build's output is in the error when it fails. */
  async build(options: BuildImageOptions): Promise<ImageInfo> {
    const context = this.buildContext(options);
    const timeoutMs = options.timeoutMs ?? defaultBuildTimeoutMs;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const tail: string[] = [];
    try {
      const stream = await this.docker.buildImage(context as NodeJS.ReadableStream, {
        t: options.tag,
        labels: { ...options.labels, [sandboxLabels.image]: '1', [sandboxLabels.created]: new Date().toISOString() },
        ...(options.buildArgs ? { buildargs: options.buildArgs } : {}),
        rm: true,
        forcerm: true,
        abortSignal: controller.signal,
      });
      await this.followJsonStream(stream, (line) => {
        tail.push(line);
        if (tail.length > logTailLines) tail.shift();
        options.onLog?.(line);
      });
    } catch (error) {
      if (controller.signal.aborted) throw new SandboxTimeoutError({ command: `docker build -t ${options.tag}`, timeoutMs, cause: error });
      if (SandboxError.isInstance(error)) {
        throw new SandboxError(`Building the image ${options.tag} failed: ${(error as Error).message}\n--- last lines of the build ---\n${tail.join('\n')}`, { cause: error });
      }
      throw toSandboxError(error, `build the image ${options.tag}`, this.daemon);
    } finally {
      clearTimeout(timer);
    }
    const info = await this.inspect(options.tag);
    if (!info) throw new SandboxError(`Docker reported no error building ${options.tag} but has no such image.\n${tail.join('\n')}`);
    recordImageUse(this.daemon, info.id);
    return { tag: options.tag, id: info.id, built: true };
  }

  /** Imports a root file system tarball as an image (what `docker import` does). Imported images have no CMD unless `changes` sets one. */
  async import(options: ImportImageOptions): Promise<ImageInfo> {
    const { repository, tag } = splitTag(options.tag);
    const labels = { ...options.labels, [sandboxLabels.image]: '1', [sandboxLabels.created]: new Date().toISOString() };
    const changes = [...(options.changes ?? []), ...Object.entries(labels).map(([key, value]) => `LABEL ${JSON.stringify(key)}=${JSON.stringify(value)}`)];
    const body =
      typeof options.rootfs === 'string'
        ? fs.createReadStream(options.rootfs)
        : options.rootfs instanceof Uint8Array
          ? toBuffer(options.rootfs)
          : Readable.from(options.rootfs, { objectMode: false });
    try {
      const stream = await this.docker.importImage(body as NodeJS.ReadableStream, { repo: repository, tag, changes } as Record<string, unknown>);
      await this.followJsonStream(stream, () => undefined);
    } catch (error) {
      throw toSandboxError(error, `import a root file system as ${options.tag}`, this.daemon);
    }
    const info = await this.inspect(options.tag);
    if (!info) throw new SandboxError(`Docker reported no error importing ${options.tag} but has no such image.`);
    recordImageUse(this.daemon, info.id);
    return { tag: options.tag, id: info.id, built: true };
  }

  /**
   * Pulls an image from a registry (official SWE-bench instance images, where a registry is reachable).
   * Rate limits (429 / toomanyrequests), a registry's 5xx and dropped connections are retried with
   * exponential backoff and jitter; a missing image fails at once. Failures are ImagePullError, which
   * names the image and the registry.
   */
  async pull(tag: string, options: PullImageOptions = {}): Promise<ImageInfo> {
    const retry = pullRetrySettings(options.retry);
    const log = options.onLog ?? (() => undefined);
    for (let attempt = 1; ; attempt += 1) {
      try {
        const stream = await this.docker.pull(tag);
        await this.followJsonStream(stream, () => undefined, pullProgressLines(log));
        break;
      } catch (error) {
        if (isDaemonUnreachable(error)) throw toSandboxError(error, `pull ${tag}`, this.daemon);
        const detail = dockerMessage(error);
        const kind = classifyPullFailure(detail, dockerStatusCode(error));
        if (kind !== 'retryable' || attempt >= retry.attempts) throw new ImagePullError({ image: tag, kind, attempts: attempt, detail, cause: error });
        const delayMs = pullRetryDelayMs(attempt, retry);
        log(`pull of ${tag} failed (${detail}); retrying in ${(delayMs / 1000).toFixed(1)} s (attempt ${attempt + 1} of ${retry.attempts})`);
        await sleep(delayMs);
      }
    }
    const info = await this.inspect(tag);
    if (!info) throw new SandboxError(`Docker reported no error pulling ${tag} but has no such image.`);
    recordImageUse(this.daemon, info.id);
    return { tag, id: info.id, built: true };
  }

  /** Disk held by the images `select` picks (distinct layers no other image holds), image by image. */
  diskUsage(select: (image: BudgetImage) => boolean): Promise<ImageDiskUsage> {
    return imageDiskUsage(this.docker, this.daemon, select);
  }

  /**
   * Removes images that `select` picks, least recently used first (use by this process, else creation
   * time), until they hold at most `maxBytes`; never an image a container was made from, nor one in
   * `keep`, nor any image `select` does not pick.
   */
  enforceDiskBudget(options: ImageDiskBudgetOptions): Promise<ImageDiskBudgetResult> {
    return enforceImageDiskBudget(this.docker, this.daemon, options);
  }

  /**
   * The image of `definition`, built unless an image with that tag and the same definition hash exists.
   * Concurrent calls for one tag in this process share one build.
   */
  ensure(definition: ImageDefinition): Promise<ImageInfo> {
    const key = `${this.daemon}\0${definition.tag}`;
    const pending = inFlight.get(key);
    if (pending) return pending.then((info) => ({ ...info, built: false }));
    const work = (async () => {
      const hash = imageDefinitionHash(definition);
      const existing = await this.inspect(definition.tag);
      if (existing && existing.labels[sandboxLabels.imageDefinition] === hash) {
        recordImageUse(this.daemon, existing.id);
        return { tag: definition.tag, id: existing.id, built: false };
      }
      const built = await this.build({
        tag: definition.tag,
        dockerfile: definition.dockerfile,
        context: definition.files ?? [],
        labels: { ...definition.labels, [sandboxLabels.imageDefinition]: hash },
        ...(definition.buildArgs ? { buildArgs: definition.buildArgs } : {}),
        ...(definition.timeoutMs ? { timeoutMs: definition.timeoutMs } : {}),
        ...(definition.onLog ? { onLog: definition.onLog } : {}),
      });
      // The stale image lost its tag; remove it unless a container still uses it (or it is not ours).
      if (existing && existing.id !== built.id && existing.labels[sandboxLabels.image] === '1') {
        await this.docker
          .getImage(existing.id)
          .remove()
          .catch(() => undefined);
      }
      return built;
    })().finally(() => inFlight.delete(key));
    inFlight.set(key, work);
    return work;
  }

  /** Removes an image this package built or imported; refuses any other image. */
  async remove(tag: string): Promise<boolean> {
    const info = await this.inspect(tag);
    if (!info) return false;
    if (info.labels[sandboxLabels.image] !== '1') {
      throw new SandboxError(`Refusing to remove ${tag}: it was not built by codemonkeys (no ${sandboxLabels.image} label).`);
    }
    try {
      await this.docker.getImage(tag).remove({ force: true });
      return true;
    } catch (error) {
      if (dockerStatusCode(error) === 404) return false;
      throw toSandboxError(error, `remove the image ${tag}`, this.daemon);
    }
  }

  private buildContext(options: BuildImageOptions): Buffer | Readable {
    const context = options.context ?? [];
    if (context instanceof Uint8Array || !Array.isArray(context)) {
      if (options.dockerfile !== undefined) throw new SandboxError('Give the Dockerfile inside the context archive, or the context as files, not both.');
      return context instanceof Uint8Array ? toBuffer(context) : Readable.from(context as AsyncIterable<Uint8Array>, { objectMode: false });
    }
    const files = (context as readonly BuildContextFile[]).map((file) => ({ name: file.path, content: file.content, ...(file.mode === undefined ? {} : { mode: file.mode }) }));
    if (options.dockerfile !== undefined) files.push({ name: 'Dockerfile', content: options.dockerfile });
    if (!files.some((file) => file.name === 'Dockerfile'))
      throw new SandboxError(`Building ${options.tag} needs a Dockerfile: give \`dockerfile\` or a context file named Dockerfile.`);
    return packFiles(files);
  }

  /**
   * Reads Docker's JSON-lines progress stream; a line with `error` fails the whole operation. `onStatus`,
   * when given, gets the status messages (pull progress) instead of `onLine`.
   */
  private async followJsonStream(stream: NodeJS.ReadableStream, onLine: (line: string) => void, onStatus?: (message: StreamMessage) => void): Promise<void> {
    let pending = '';
    let failure: string | undefined;
    const handle = (raw: string): void => {
      if (!raw.trim()) return;
      let message: StreamMessage;
      try {
        message = JSON.parse(raw) as StreamMessage;
      } catch {
        onLine(raw);
        return;
      }
      if (message.error || message.errorDetail) failure = message.errorDetail?.message ?? message.error ?? 'unknown error';
      if (onStatus && message.status !== undefined && message.stream === undefined) {
        onStatus(message);
        return;
      }
      const text = message.stream ?? (message.status ? `${message.status}${message.progress ? ` ${message.progress}` : ''}` : (message.error ?? ''));
      for (const line of text.split('\n')) if (line.trim()) onLine(line.replace(/\s+$/, ''));
    };
    for await (const chunk of stream as AsyncIterable<Buffer | string>) {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      lines.forEach(handle);
    }
    handle(pending);
    if (failure !== undefined) throw new SandboxError(failure);
  }
}

interface StreamMessage {
  id?: string;
  stream?: string;
  status?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
}

function splitTag(reference: string): { repository: string; tag: string } {
  const slash = reference.lastIndexOf('/');
  const colon = reference.lastIndexOf(':');
  if (colon > slash) return { repository: reference.slice(0, colon), tag: reference.slice(colon + 1) };
  return { repository: reference, tag: 'latest' };
}
