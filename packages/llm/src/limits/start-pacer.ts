/**
 * Paces the starts of model calls over event-loop turns. A call's start (validation, cache key, cache
 * lookup, request body) is synchronous work; thousands of calls started at once (a run fanning out over
 * every instance and sample) would do it all in one go and hold the event loop for hundreds of
 * milliseconds, while the answers of the requests already in flight wait to be read and their slots
 * stay taken. Here at most `startsPerTurn` calls start per turn; the others wait, in order, for the
 * next turns (after the loop has read what arrived meanwhile). A call started alone never waits.
 */
export interface StartPacer {
  /** Undefined when the call may start now; else a promise of its turn. */
  admit(): Promise<void> | undefined;
}

// Captured at load, so that a test's fake timers cannot stop the pacing (no test of time depends on it).
const nextTurn: (callback: () => void) => unknown = globalThis.setImmediate;

export function createStartPacer(startsPerTurn: number): StartPacer {
  let startedThisTurn = 0;
  let turnScheduled = false;
  const waiting: Array<() => void> = [];
  let head = 0;

  const onTurn = (): void => {
    turnScheduled = false;
    startedThisTurn = 0;
    while (head < waiting.length && startedThisTurn < startsPerTurn) {
      startedThisTurn += 1;
      waiting[head]!();
      head += 1;
    }
    if (head === waiting.length) {
      waiting.length = 0;
      head = 0;
    } else if (head > 1024) {
      waiting.splice(0, head);
      head = 0;
    }
    schedule();
  };
  // Another turn while anything started in this one: the count resets only once the loop has moved on.
  const schedule = (): void => {
    if (turnScheduled || startedThisTurn === 0) return;
    turnScheduled = true;
    nextTurn(onTurn);
  };

  return {
    admit() {
      if (startedThisTurn < startsPerTurn && head === waiting.length) {
        startedThisTurn += 1;
        schedule();
        return undefined;
      }
      return new Promise<void>((resolve) => waiting.push(resolve));
    },
  };
}

/** One pacer for the process: the event loop is the process's. */
export const callStartPacer: StartPacer = createStartPacer(32);
