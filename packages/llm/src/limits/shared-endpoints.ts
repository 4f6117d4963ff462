import type { Logger } from '@codemonkeys/protocol';
import type { Agent } from 'undici';
import { createHttpDispatcher } from '../transport/http-transport';
import { EndpointLimiter } from './endpoint-limiter';
import type { ResolvedEndpointLimits } from './endpoint-limits';

interface SharedEndpoint {
  limiter: EndpointLimiter;
  dispatcher: Agent;
  references: number;
}

/** What the clients of one endpoint share in this process: its limits and its connection pool. */
export interface SharedEndpointHandle {
  readonly limiter: EndpointLimiter;
  readonly dispatcher: Agent;
  /** Drops this client's claim; the pool closes when the last client of the endpoint is closed. */
  release(): Promise<void>;
}

// On globalThis (Symbol.for) so that two copies of this package in one process still share limits.
const registryKey = Symbol.for('codemonkeys.llm.sharedEndpoints');
const globalSlot = globalThis as unknown as Record<symbol, Map<string, SharedEndpoint> | undefined>;
const registry: Map<string, SharedEndpoint> = (globalSlot[registryKey] ??= new Map());

/**
 * The limiter and pool of endpoint `name`, created on first use. When clients of the same endpoint
 * ask for different limits, the stricter value of each wins (and a warning says so): limits protect
 * the endpoint, whichever client asks.
 */
export function acquireSharedEndpoint(name: string, limits: ResolvedEndpointLimits, logger: Logger): SharedEndpointHandle {
  let shared = registry.get(name);
  if (!shared) {
    shared = { limiter: new EndpointLimiter(limits), dispatcher: createHttpDispatcher(), references: 0 };
    registry.set(name, shared);
  } else if (shared.limiter.tighten(limits)) {
    logger.warn(`Clients of endpoint ${name} asked for different limits; the stricter of each applies to all of them.`, { limits: { ...shared.limiter.limits } });
  }
  shared.references += 1;
  const entry = shared;
  let released = false;
  return {
    limiter: entry.limiter,
    dispatcher: entry.dispatcher,
    async release() {
      if (released) return;
      released = true;
      entry.references -= 1;
      if (entry.references === 0 && registry.get(name) === entry) {
        registry.delete(name);
        await entry.dispatcher.close();
      }
    },
  };
}
