import { defaultMaxConcurrent, type ResolvedEndpointLimits } from './endpoint-limits';

/** A granted slot. `release` must be called exactly once, with the tokens really used when known. */
export interface LimiterPermit {
  release(actualTokens?: number): void;
}

export interface EndpointLimiterSnapshot {
  active: number;
  queued: number;
  requestsInLastMinute: number;
  tokensInLastMinute: number;
  pausedForMs: number;
}

interface Waiter {
  tokens: number;
  resolve: (permit: LimiterPermit) => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  done: boolean;
}

interface WindowEntry {
  time: number;
  tokens: number;
  expired: boolean;
}

const windowMs = 60_000;

/**
 * Concurrency, requests per minute and tokens per minute of one endpoint, over sliding one-minute
 * windows, served first come first served (a large request is never starved by small ones). A 429
 * pauses the whole endpoint (`pauseUntil`) so that the other calls do not hammer it meanwhile.
 *
 * Written here rather than taken from a queue library because none combines a concurrency cap with
 * weighted (token) sliding windows and an endpoint-wide pause; it is small and fully tested.
 */
export class EndpointLimiter {
  private current: ResolvedEndpointLimits;
  private active = 0;
  private readonly waiters: Waiter[] = [];
  private waiterHead = 0;
  private readonly window: WindowEntry[] = [];
  private windowHead = 0;
  private windowTokens = 0;
  private pausedUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = 0;

  constructor(limits: ResolvedEndpointLimits) {
    this.current = { ...limits };
  }

  get limits(): Readonly<ResolvedEndpointLimits> {
    return this.current;
  }

  /**
   * Merges the limits another client asked for: a limit set by either applies, and where both set one
   * the stricter wins. Returns true when two clients set different values (worth a warning).
   */
  tighten(limits: ResolvedEndpointLimits): boolean {
    let conflicting = false;
    const stricter = (left: number | undefined, right: number | undefined): number | undefined => {
      if (left === undefined) return right;
      if (right === undefined) return left;
      if (left !== right) conflicting = true;
      return Math.min(left, right);
    };
    const next: ResolvedEndpointLimits = {
      maxConcurrent: stricter(this.current.maxConcurrent, limits.maxConcurrent),
      requestsPerMinute: stricter(this.current.requestsPerMinute, limits.requestsPerMinute),
      tokensPerMinute: stricter(this.current.tokensPerMinute, limits.tokensPerMinute),
    };
    this.current = next;
    this.drain(); // a raised concurrency may admit waiters now
    return conflicting;
  }

  /** Waits for a slot; rejects with the signal's reason if it is aborted first. */
  acquire(estimatedTokens: number, signal?: AbortSignal): Promise<LimiterPermit> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<LimiterPermit>((resolve, reject) => {
      const waiter: Waiter = { tokens: Math.max(0, estimatedTokens), resolve, reject, signal, onAbort: undefined, done: false };
      if (signal) {
        waiter.onAbort = () => {
          if (waiter.done) return;
          waiter.done = true;
          reject(signal.reason);
          this.drain();
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
      this.drain();
    });
  }

  /** No request starts before `epochMs` (a provider's Retry-After); never shortens an existing pause. */
  pauseUntil(epochMs: number): void {
    if (epochMs > this.pausedUntil) this.pausedUntil = epochMs;
  }

  snapshot(): EndpointLimiterSnapshot {
    this.prune(Date.now());
    return {
      active: this.active,
      queued: this.waiters.length - this.waiterHead,
      requestsInLastMinute: this.window.length - this.windowHead,
      tokensInLastMinute: this.windowTokens,
      pausedForMs: Math.max(0, this.pausedUntil - Date.now()),
    };
  }

  private drain(): void {
    while (this.waiterHead < this.waiters.length) {
      const waiter = this.waiters[this.waiterHead]!;
      if (waiter.done) {
        this.shiftWaiter();
        continue;
      }
      if (this.active >= (this.current.maxConcurrent ?? defaultMaxConcurrent)) return; // a release drains again
      const now = Date.now();
      if (this.pausedUntil > now) return this.wakeAt(this.pausedUntil);
      const rateLimited = this.current.requestsPerMinute !== undefined || this.current.tokensPerMinute !== undefined;
      if (rateLimited) {
        this.prune(now);
        const inWindow = this.window.length - this.windowHead;
        const oldest = this.window[this.windowHead];
        if (this.current.requestsPerMinute !== undefined && inWindow >= this.current.requestsPerMinute && oldest) {
          return this.wakeAt(oldest.time + windowMs);
        }
        // A request larger than the whole per-minute allowance still runs once the window is empty.
        if (this.current.tokensPerMinute !== undefined && inWindow > 0 && this.windowTokens + waiter.tokens > this.current.tokensPerMinute && oldest) {
          return this.wakeAt(oldest.time + windowMs);
        }
      }
      this.shiftWaiter();
      waiter.done = true;
      if (waiter.signal && waiter.onAbort) waiter.signal.removeEventListener('abort', waiter.onAbort);
      this.active += 1;
      let entry: WindowEntry | undefined;
      if (rateLimited) {
        entry = { time: now, tokens: waiter.tokens, expired: false };
        this.window.push(entry);
        this.windowTokens += entry.tokens;
      }
      let released = false;
      waiter.resolve({
        release: (actualTokens?: number) => {
          if (released) return;
          released = true;
          this.active -= 1;
          // Replace the estimate by the real usage, if the entry is still inside the window.
          if (entry && !entry.expired && actualTokens !== undefined && actualTokens >= 0) {
            this.windowTokens += actualTokens - entry.tokens;
            entry.tokens = actualTokens;
          }
          this.drain();
        },
      });
    }
  }

  private shiftWaiter(): void {
    this.waiterHead += 1;
    if (this.waiterHead > 1024 && this.waiterHead * 2 > this.waiters.length) {
      this.waiters.splice(0, this.waiterHead);
      this.waiterHead = 0;
    }
  }

  private prune(now: number): void {
    while (this.windowHead < this.window.length && this.window[this.windowHead]!.time <= now - windowMs) {
      const expired = this.window[this.windowHead]!;
      expired.expired = true;
      this.windowTokens -= expired.tokens;
      this.windowHead += 1;
    }
    if (this.windowHead > 1024 && this.windowHead * 2 > this.window.length) {
      this.window.splice(0, this.windowHead);
      this.windowHead = 0;
    }
  }

  // One timer at a time, for the earliest moment something may change. It keeps the process alive on
  // purpose: callers are awaiting these slots.
  private wakeAt(epochMs: number): void {
    if (this.timer && this.timerAt <= epochMs) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = epochMs;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.drain();
      },
      Math.max(1, epochMs - Date.now()),
    );
  }
}
