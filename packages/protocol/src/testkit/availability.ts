import net from 'node:net';
import { describe, it } from 'vitest';

/** Whether a prerequisite of a test suite (a service, a data file) is present, and why not. */
export interface Availability {
  available: boolean;
  /** Says what is missing and how to provide it. */
  reason?: string;
}

/** True when the environment says this is CI (`CI=true` or `CI=1`). */
export const isCI = (): boolean => ['true', '1'].includes((process.env.CI ?? '').toLowerCase());

/**
 * `describe` that runs when its prerequisite is available. When it is not: locally the suite is skipped
 * with the reason in its name; with CI=true the suite fails, because CI provisions every service and a
 * suite that passes by skipping proves nothing.
 */
export function describeWhenAvailable(name: string, availability: Availability, suite: () => void): void {
  if (availability.available) {
    describe(name, suite);
    return;
  }
  const reason = availability.reason ?? 'a prerequisite is missing';
  if (isCI()) {
    describe(name, () => {
      it(`has its prerequisite (required with CI=true)`, () => {
        throw new Error(`${name}: ${reason}`);
      });
    });
    return;
  }
  describe.skip(`${name} [skipped: ${reason}]`, suite);
}

/** Resolves whether something accepts TCP connections on host:port within `timeoutMs`. */
export function probeTcp(host: string, port: number, timeoutMs = 1000): Promise<Availability> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (availability: Availability): void => {
      socket.destroy();
      resolve(availability);
    };
    socket.setTimeout(timeoutMs, () => done({ available: false, reason: `nothing answers on ${host}:${port} (timeout)` }));
    socket.once('connect', () => done({ available: true }));
    socket.once('error', (error) => done({ available: false, reason: `nothing answers on ${host}:${port} (${error.message})` }));
  });
}
