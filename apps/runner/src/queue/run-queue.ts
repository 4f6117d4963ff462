import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { z } from 'zod';

/** One (instance × run) job: everything a worker needs to find the experiment and its storage. */
export const InstanceJobSchema = z.object({
  experimentId: z.string().min(1),
  runId: z.string().min(1),
  instanceId: z.string().min(1),
  /** Storage URL of the run (shared by the run command and every worker). */
  storage: z.string().min(1),
});
export type InstanceJob = z.output<typeof InstanceJobSchema>;

export interface QueueLocation {
  /** redis://host:port[/db] */
  url: string;
  /** Key prefix in Redis (tests use one of their own). */
  prefix: string;
  name: string;
}

/** A BullMQ job id of an item: readable, and the same for the same item (re-enqueueing finds the job). */
export const jobIdOf = (runId: string, instanceId: string): string => `${runId}--${instanceId}`.replace(/:/g, '_');

/**
 * A Redis connection for BullMQ: `maxRetriesPerRequest: null` as BullMQ requires for blocking
 * commands; each Queue, Worker and QueueEvents gets its own connection.
 */
export function redisConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
}

export function openQueue(location: QueueLocation): { queue: Queue; connection: Redis } {
  const connection = redisConnection(location.url);
  return { queue: new Queue(location.name, { connection, prefix: location.prefix }), connection };
}

export function openQueueEvents(location: QueueLocation): { events: QueueEvents; connection: Redis } {
  const connection = redisConnection(location.url);
  return { events: new QueueEvents(location.name, { connection, prefix: location.prefix }), connection };
}
