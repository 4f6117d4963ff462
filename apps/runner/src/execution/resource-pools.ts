import pLimit, { type LimitFunction } from 'p-limit';
import type { InstanceSandbox } from '@codemonkeys/protocol';

/**
 * Concurrency pools of one process, apart from model calls (limited per endpoint by the model clients):
 * sandbox work and CPU work each have their own, so that instances waiting for a model never hold a
 * container slot, and a burst of test runs never delays the next model request.
 */
export interface ResourcePools {
  /** Sandbox uses (test runs, evaluations) at once, over every instance. */
  readonly containers: LimitFunction;
  /** CPU-bound work (checkouts, lexical indexing, reward computations) at once. */
  readonly cpu: LimitFunction;
}

export function createResourcePools(options: { containers: number; cpu: number }): ResourcePools {
  return { containers: pLimit(options.containers), cpu: pLimit(options.cpu) };
}

/** The same instance sandbox (every other member kept), with each use waiting for a slot of the containers pool. */
export function pooledInstanceSandbox<S extends InstanceSandbox>(sandbox: S, pools: ResourcePools): S {
  const use: InstanceSandbox['use'] = (fn) => pools.containers(() => sandbox.use(fn));
  return new Proxy(sandbox, {
    get(target, property, receiver) {
      if (property === 'use') return use;
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
