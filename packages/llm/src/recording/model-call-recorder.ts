import type { Logger, ModelCallRecord } from '@codemonkeys/protocol';

/** Where model call records go, typically `(records) => storage.putModelCalls(records)`. */
export type ModelCallWriter = (records: readonly ModelCallRecord[]) => Promise<void>;

/** Buffers model call records and writes them in batches; `flush`/`close` write everything recorded so far. */
export interface ModelCallRecorder {
  /** Accepts a record; it is written by the next batch, `flush()` or `close()`. */
  record(record: ModelCallRecord): void;
  /** Writes every record accepted so far. Rejects if the writer fails; the records stay buffered for the next try. */
  flush(): Promise<void>;
  /** `flush()` and stop the timer. Records accepted after `close()` are still buffered and need another flush. */
  close(): Promise<void>;
  /** Records accepted and not yet written. */
  readonly pending: number;
}

export interface ModelCallRecorderOptions {
  write: ModelCallWriter;
  /** Write as soon as this many records are buffered. Default 64. */
  batchSize?: number;
  /** Write buffered records at least this often (ms). Default 1000. */
  flushIntervalMs?: number;
  logger?: Logger;
}

// One process listener for every open recorder (a run may create many clients, each with a recorder).
const liveRecorders = new Set<() => void>();
let watchingExit = false;
function watchProcessExit(): void {
  if (watchingExit) return;
  watchingExit = true;
  process.on('beforeExit', () => {
    for (const flushPending of liveRecorders) flushPending();
  });
}

/**
 * A batching recorder. Writes are serialized (one batch at a time, in order), a failed batch goes back to
 * the front of the buffer and is retried by the next flush, and the process's `beforeExit` flushes what a
 * caller forgot to, so nothing accepted is lost on a normal exit.
 */
export function createModelCallRecorder(options: ModelCallRecorderOptions): ModelCallRecorder {
  const batchSize = options.batchSize ?? 64;
  const flushIntervalMs = options.flushIntervalMs ?? 1000;
  let buffer: ModelCallRecord[] = [];
  let chain: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let lastError: unknown;

  const writeBuffered = async (): Promise<void> => {
    while (buffer.length > 0) {
      const batch = buffer.slice(0, batchSize);
      buffer = buffer.slice(batch.length);
      try {
        await options.write(batch);
      } catch (error) {
        buffer = [...batch, ...buffer];
        throw error;
      }
    }
  };
  // Every flush waits for the ones before it, so batches are written in order and never concurrently.
  const flush = (): Promise<void> => {
    const next = chain.then(writeBuffered, writeBuffered);
    chain = next.catch(() => undefined);
    return next;
  };
  const backgroundFlush = (): void => {
    flush().then(
      () => {
        lastError = undefined;
      },
      (error: unknown) => {
        // Kept for the next flush; said once per failure streak so a broken store does not flood the log.
        if (lastError === undefined)
          options.logger?.warn('Writing model call records failed; they are kept and retried on the next flush.', { error: String(error), pending: buffer.length });
        lastError = error;
      },
    );
  };
  const onBeforeExit = (): void => {
    if (buffer.length > 0) backgroundFlush();
  };
  liveRecorders.add(onBeforeExit);
  watchProcessExit();

  const ensureTimer = (): void => {
    if (timer || flushIntervalMs <= 0) return;
    timer = setInterval(() => {
      if (buffer.length > 0) backgroundFlush();
    }, flushIntervalMs);
    timer.unref(); // beforeExit catches the tail; the timer must not keep a finished process alive
  };

  return {
    record(record) {
      buffer.push(record);
      ensureTimer();
      if (buffer.length >= batchSize) backgroundFlush();
    },
    flush,
    async close() {
      if (timer) clearInterval(timer);
      timer = undefined;
      liveRecorders.delete(onBeforeExit);
      await flush();
    },
    get pending() {
      return buffer.length;
    },
  };
}

export function isModelCallRecorder(value: unknown): value is ModelCallRecorder {
  return typeof value === 'object' && value !== null && typeof (value as ModelCallRecorder).record === 'function' && typeof (value as ModelCallRecorder).flush === 'function';
}
