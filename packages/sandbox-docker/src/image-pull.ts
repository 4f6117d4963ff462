import { SandboxError } from '@codemonkeys/protocol';

/** How `pull` retries a failure that may pass (rate limits, a registry's 5xx, a dropped connection). */
export interface PullRetryOptions {
  /** Attempts in all, the first included (default 5). */
  attempts?: number;
  /** Wait before the second attempt; doubled for each later one (default 1 s). */
  initialDelayMs?: number;
  /** Longest wait between two attempts (default 30 s). */
  maxDelayMs?: number;
}

export interface PullImageOptions {
  /** Progress of the pull, line by line (`<layer>: Downloading 12.5MB/80MB`), and each retry. */
  onLog?: (line: string) => void;
  retry?: PullRetryOptions;
}

/** `not-found`: the registry has no such image (never retried); `retryable`: may pass later; `fatal`: retrying cannot help. */
export type PullFailureKind = 'not-found' | 'retryable' | 'fatal';

const defaultRetry: Required<PullRetryOptions> = { attempts: 5, initialDelayMs: 1000, maxDelayMs: 30_000 };

/**
 * What the daemon's message of a failed pull means. Docker answers HTTP 404 for a missing manifest and 500
 * for everything the registry did, with the registry's own words in the message: `toomanyrequests: …` for
 * a 429, `received unexpected HTTP status: 503 Service Unavailable` for a 5xx.
 */
export function classifyPullFailure(message: string, statusCode?: number): PullFailureKind {
  if (/toomanyrequests|too many requests|\b429\b|rate limit/i.test(message)) return 'retryable';
  if (/unexpected HTTP status: 5\d\d|\b50[0-4] (Internal Server Error|Bad Gateway|Service Unavailable|Gateway Time-?out)/i.test(message)) return 'retryable';
  if (/connection reset|ECONNRESET|broken pipe|unexpected EOF|i\/o timeout|TLS handshake timeout|timeout awaiting response headers/i.test(message)) return 'retryable';
  if (statusCode === 404 || /manifest unknown|not found|pull access denied|repository does not exist|name unknown/i.test(message)) return 'not-found';
  return 'fatal';
}

/**
 * The wait before attempt `attempt + 1` (attempt counts from 1): exponential, capped, with "equal jitter"
 * (half fixed, half random) so that many runners hitting one registry do not retry in step.
 */
export function pullRetryDelayMs(attempt: number, retry: PullRetryOptions = {}, random: () => number = Math.random): number {
  const settings = { ...defaultRetry, ...retry };
  const ceiling = Math.min(settings.maxDelayMs, settings.initialDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

export const pullRetrySettings = (retry: PullRetryOptions = {}): Required<PullRetryOptions> => {
  const settings = { ...defaultRetry, ...retry };
  if (!Number.isInteger(settings.attempts) || settings.attempts < 1) throw new SandboxError(`Pull retry attempts must be a positive integer (got ${settings.attempts}).`);
  return settings;
};

/**
 * The registry a reference pulls from: its first path component when that names a host (has a dot or a
 * port, or is `localhost`), else Docker Hub, as Docker resolves it.
 */
export function registryOfReference(reference: string): string {
  const slash = reference.indexOf('/');
  if (slash < 0) return 'docker.io';
  const first = reference.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : 'docker.io';
}

/** A pull failed: the image is not in the registry, the registry kept failing, or it cannot be reached. */
export class ImagePullError extends SandboxError {
  static override readonly errorName: string = 'ImagePullError';
  /** The reference that was pulled. */
  readonly image: string;
  readonly registry: string;
  readonly kind: PullFailureKind;
  /** Whether trying again later may succeed (a rate limit or a registry error that outlasted the retries). */
  readonly isRetryable: boolean;
  /** Attempts made. */
  readonly attempts: number;

  constructor(options: { image: string; kind: PullFailureKind; attempts: number; detail: string; cause?: unknown }) {
    const registry = registryOfReference(options.image);
    const message =
      options.kind === 'not-found'
        ? `The image ${options.image} does not exist in the registry ${registry} (${options.detail}). Check the image name and the registry, or push the image there; a missing image is not retried.`
        : options.kind === 'retryable'
          ? `Pulling ${options.image} from ${registry} failed ${options.attempts} time(s), the last with: ${options.detail}. The registry limits or fails pulls; try again later, or pull through a mirror registry.`
          : `Pulling ${options.image} from ${registry} failed: ${options.detail}. Without a reachable registry, build the image instead (images.ensure / images.build / images.import), or \`docker load\` a saved copy.`;
    super(message, { cause: options.cause });
    this.image = options.image;
    this.registry = registry;
    this.kind = options.kind;
    this.isRetryable = options.kind === 'retryable';
    this.attempts = options.attempts;
  }
}

interface ProgressMessage {
  id?: string;
  status?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
}

/**
 * Turns Docker's pull progress messages into log lines: every status change of a layer, and its
 * download / extraction progress in steps of a tenth (a big layer otherwise sends thousands of lines).
 */
export function pullProgressLines(onLine: (line: string) => void): (message: ProgressMessage) => void {
  const lastStep = new Map<string, number>();
  return (message) => {
    if (!message.status) return;
    const prefix = message.id ? `${message.id}: ` : '';
    const { current, total } = message.progressDetail ?? {};
    if (typeof current === 'number' && typeof total === 'number' && total > 0) {
      const key = `${message.id ?? ''}\0${message.status}`;
      const step = Math.floor((10 * current) / total);
      if (lastStep.get(key) === step) return;
      lastStep.set(key, step);
    }
    onLine(`${prefix}${message.status}${message.progress ? ` ${message.progress}` : ''}`.replace(/\s+$/, ''));
  };
}

export const sleep = (milliseconds: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, milliseconds));
