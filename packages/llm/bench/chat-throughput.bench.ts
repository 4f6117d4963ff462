// 5,000 chat calls against the loopback server (20 ms latency) with at most 32 in flight. Reports
// throughput as a fraction of the ideal 32 / 20 ms, and the client's overhead per call against a bare
// undici request measured in the same run. Run with `npm run bench` in packages/llm.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { InMemorySequenceStorage } from '@codemonkeys/core';
import { Agent, request } from 'undici';

// The built package, as users run it (`npm run bench` builds first).
const { createModelClient } = (await import('../dist/index.js' as string)) as typeof import('../src/index');

const calls = 5000;
const concurrency = 32;
const latencyMs = 20;
const warmupCalls = 300;
const idealPerSecond = concurrency / (latencyMs / 1000);

interface RunResult {
  elapsedMs: number;
  latencies: number[];
  /** CPU time of this process (user + system) per call, in ms. */
  cpuMsPerCall: number;
}

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
}

/** `count` calls made by `concurrency` workers, each waiting for its previous call: per-call latency is clean. */
async function runWorkers(count: number, call: (index: number) => Promise<unknown>): Promise<RunResult> {
  const latencies: number[] = [];
  let next = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const index = next++;
        const callStarted = performance.now();
        await call(index);
        latencies.push(performance.now() - callStarted);
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { elapsedMs, latencies: latencies.sort((left, right) => left - right), cpuMsPerCall: (used.user + used.system) / 1000 / count };
}

/** All `count` calls at once: the client's own limiter keeps 32 in flight. */
async function runAllAtOnce(count: number, call: (index: number) => Promise<unknown>): Promise<RunResult> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: count }, (_, index) => call(index)));
  const elapsedMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { elapsedMs, latencies: [], cpuMsPerCall: (used.user + used.system) / 1000 / count };
}

async function serverStats(child: ChildProcess): Promise<{ requests: number; maxActiveRequests: number; cpuMs: number }> {
  child.send({ type: 'stats' });
  for (;;) {
    const [message] = (await once(child, 'message')) as [{ type: string; requests: number; maxActiveRequests: number; cpuMs: number }];
    if (message.type === 'stats') return message;
  }
}

const child = fork(fileURLToPath(new URL('./loopback-server-process.ts', import.meta.url)), [String(latencyMs)], { execArgv: ['--import', 'tsx'] });
const [ready] = (await once(child, 'message')) as [{ type: string; url: string }];
const baseUrl = `${ready.url}/v1`;
const body = (index: number) => JSON.stringify({ model: 'loopback-model', messages: [{ role: 'user', content: `question ${index}` }] });

// Baseline: undici with the same keep-alive pool settings, no retries, limits, cache or records.
const agent = new Agent({ keepAliveTimeout: 30_000, headersTimeout: 0, bodyTimeout: 0 });
const bare = async (index: number) => {
  const response = await request(`${baseUrl}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(index), dispatcher: agent });
  JSON.parse(await response.body.text());
};

// The client as the runner uses it: limits, response cache and call records in storage.
const storage = new InMemorySequenceStorage();
const client = createModelClient({
  endpoint: { kind: 'openai', baseUrl, defaultModel: 'loopback-model', name: 'bench-loopback' },
  limits: { maxConcurrent: concurrency },
  cache: { storage },
  recorder: (records) => storage.putModelCalls(records),
  prices: { 'loopback-model': { inputPerMillion: 1, outputPerMillion: 2 } },
});
let round = 0;
const viaClient = (index: number) => client.chat({ messages: [{ role: 'user', content: `question ${round}-${index}` }] });

await runWorkers(warmupCalls, bare);
round = 1;
await runWorkers(warmupCalls, viaClient);
await serverStats(child);

const bareRun = await runWorkers(calls, bare);
const bareStats = await serverStats(child);
round = 2;
const clientRun = await runWorkers(calls, viaClient);
const clientStats = await serverStats(child);
round = 3;
const limitedRun = await runAllAtOnce(calls, viaClient);
const limitedStats = await serverStats(child);
await client.close();
const recorded = (await storage.queryModelCalls({ limit: 1 })).items.length;

const throughput = (run: RunResult) => calls / (run.elapsedMs / 1000);
const rows = [
  { run: 'bare undici, 32 workers', result: bareRun, stats: bareStats },
  { run: 'client, 32 workers', result: clientRun, stats: clientStats },
  { run: 'client, 5000 at once (limiter: 32)', result: limitedRun, stats: limitedStats },
];
console.log(`\n${calls} chat calls, ${latencyMs} ms server latency, ${concurrency} concurrent; ideal ${idealPerSecond.toFixed(0)} calls/s\n`);
for (const row of rows) {
  console.log(
    `${row.run.padEnd(38)} ${throughput(row.result).toFixed(0).padStart(6)} calls/s  ` +
      `fraction of ideal ${(throughput(row.result) / idealPerSecond).toFixed(3)}  client CPU ${(row.result.cpuMsPerCall * 1000).toFixed(0).padStart(4)} µs/call  ` +
      `server CPU ${((row.stats.cpuMs * 1000) / row.stats.requests).toFixed(0).padStart(4)} µs/request  peak concurrency ${row.stats.maxActiveRequests}`,
  );
}
const overhead = (fraction: number) => percentile(clientRun.latencies, fraction) - percentile(bareRun.latencies, fraction);
console.log(`\nper-call latency (ms)      p50      p99`);
console.log(`bare undici            ${percentile(bareRun.latencies, 0.5).toFixed(2).padStart(7)}  ${percentile(bareRun.latencies, 0.99).toFixed(2).padStart(7)}`);
console.log(`client                 ${percentile(clientRun.latencies, 0.5).toFixed(2).padStart(7)}  ${percentile(clientRun.latencies, 0.99).toFixed(2).padStart(7)}`);
console.log(`client overhead        ${overhead(0.5).toFixed(2).padStart(7)}  ${overhead(0.99).toFixed(2).padStart(7)}`);
console.log(`overhead ratio (client / bare latency): p50 ${(percentile(clientRun.latencies, 0.5) / percentile(bareRun.latencies, 0.5)).toFixed(3)}, p99 ${(percentile(clientRun.latencies, 0.99) / percentile(bareRun.latencies, 0.99)).toFixed(3)}`);
const fraction = throughput(limitedRun) / idealPerSecond;
console.log(`\nthroughput through the client's limiter: ${fraction.toFixed(3)} of ideal (target >= 0.9): ${fraction >= 0.9 ? 'met' : 'NOT met'}; records written: ${recorded > 0 ? 'yes' : 'no'}`);

child.send({ type: 'close' });
await agent.close();
