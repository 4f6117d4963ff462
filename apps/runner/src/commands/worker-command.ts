import type { Command } from 'commander';
import { exitCodes } from '../exit-codes';
import { createRunControl } from '../execution/run-control';
import { createProgressLogger } from '../progress/progress-logger';
import { startRunWorker } from '../queue/run-worker';
import { UsageError } from '../config/usage-error';

interface WorkerFlags {
  queue?: string;
  queuePrefix: string;
  queueName: string;
  concurrency: string;
  lockDuration: string;
  stalledInterval?: string;
  name?: string;
  idleExit?: string;
  storage?: string;
}

const positive = (flag: string, value: string): number => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new UsageError(`${flag} must be a positive whole number, got "${value}".`);
  return parsed;
};

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description(
      "Process the (instance × run) jobs that `codemonkeys run --queue` enqueued, with this machine's Docker and the run's storage. " +
        "Start any number, anywhere; a killed worker's jobs are taken over by another.",
    )
    .requiredOption('--queue <redis-url>', 'the Redis of the queue, e.g. redis://127.0.0.1:6379')
    .option('--queue-prefix <prefix>', 'Redis key prefix of the queue', 'codemonkeys')
    .option('--queue-name <name>', 'queue name', 'runs')
    .option('--concurrency <n>', 'jobs processed at once', '4')
    .option('--lock-duration <ms>', "lock of a job; a dead worker's jobs are taken over after about this long", '30000')
    .option('--stalled-interval <ms>', 'how often to look for jobs of dead workers and put them back in the queue (default: half the lock duration, at least 1000)')
    .option('--name <name>', "this worker's name in the jobs it takes (BullMQ processedBy; default <host>:<pid>)")
    .option('--idle-exit <seconds>', 'exit after this long without a job (default: run until stopped)')
    .option('--storage <url>', 'use this storage instead of the one each job names (the same store reached another way)')
    .action(async (flags: WorkerFlags, command: Command) => {
      let options;
      try {
        if (!/^rediss?:\/\//.test(flags.queue ?? '')) throw new UsageError(`--queue must be a redis:// URL, got "${flags.queue}".`);
        options = {
          url: flags.queue!,
          prefix: flags.queuePrefix,
          name: flags.queueName,
          concurrency: positive('--concurrency', flags.concurrency),
          lockDurationMs: positive('--lock-duration', flags.lockDuration),
          ...(flags.stalledInterval ? { stalledIntervalMs: positive('--stalled-interval', flags.stalledInterval) } : {}),
          ...(flags.name ? { workerName: flags.name } : {}),
          ...(flags.idleExit ? { idleExitMs: positive('--idle-exit', flags.idleExit) * 1000 } : {}),
          ...(flags.storage ? { storageOverride: flags.storage } : {}),
        };
      } catch (error) {
        return command.error(`error: ${(error as Error).message}`, { exitCode: exitCodes.usage, code: 'codemonkeys.usage' });
      }
      const control = createRunControl();
      const logger = createProgressLogger();
      const log = (message: string): void => void process.stderr.write(`[worker ${process.pid}] ${message}\n`);
      const worker = startRunWorker({ ...options, cwd: process.cwd(), control, logger, log });
      let interrupts = 0;
      const onSignal = (): void => {
        interrupts += 1;
        if (interrupts === 1) {
          log('stopping: jobs in flight stop at their next stage boundary and go back to the queue; press Ctrl-C again to exit at once');
          control.requestStop('interrupt');
          void worker.close();
          return;
        }
        process.exit(exitCodes.interrupted);
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      log(`waiting for jobs on ${options.url} (prefix ${options.prefix}, queue ${options.name}, ${options.concurrency} at once)`);
      const { processed, failed } = await worker.done;
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      log(`stopped after ${processed} job(s) done, ${failed} failed attempt(s)`);
      process.exitCode = interrupts > 0 ? exitCodes.interrupted : exitCodes.ok;
    });
}
