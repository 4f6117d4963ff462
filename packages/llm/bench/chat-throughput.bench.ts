// 5,000 chat calls against the loopback server (20 ms latency) with at most 32 in flight. Reports the
// throughput as a fraction of the ideal 32 / 20 ms, and the client's overhead per call against a bare
// undici request measured in the same run. `npm run bench` in packages/llm (it builds first).
//
// The server runs in a child process so that its CPU is not counted as the client's. Rounds alternate
// (bare, client, bare, client, ...) so that both see the same machine load; medians are reported.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { InMemorySequenceStorage, type CacheEntry, type ModelCallRecord } from '@codemonkeys/protocol';
import { Agent, request } from 'undici';

// The built package, as users run it.
const { createModelClient } = (await import('../dist/index.js' as string)) as typeof import('../src/index');

const calls = 5000;
const concurrency = 32;
const latencyMs = 20;
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const idealPerSecond = concurrency / (latencyMs / 1000);

interface RunResult {
  callsPerSecond: number;
  /** Per-call latency, sorted (only for runs with one call per worker at a time). */
  latencies: number[];
  cpuMicrosecondsPerCall: number;
}

const percentile = (sorted: readonly number[], fraction: number): number => sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
const median = (values: readonly number[]): number => [...values].sort((left, right) => left - right)[Math.floor(values.length / 2)]!;

/** `calls` calls by `concurrency` workers, each waiting for its previous call: per-call latency is clean. */
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
  return { callsPerSecond: count / (elapsedMs / 1000), latencies: latencies.sort((left, right) => left - right), cpuMicrosecondsPerCall: (used.user + used.system) / count };
}

/** All calls at once: the client's own limiter keeps 32 in flight (how the runner uses it). */
async function runAllAtOnce(count: number, call: (index: number) => Promise<unknown>): Promise<RunResult> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: count }, (_, index) => call(index)));
  const elapsedMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { callsPerSecond: count / (elapsedMs / 1000), latencies: [], cpuMicrosecondsPerCall: (used.user + used.system) / count };
}

async function serverStats(child: ChildProcess): Promise<{ requests: number; maxActiveRequests: number }> {
  child.send({ type: 'stats' });
  for (;;) {
    const [message] = (await once(child, 'message')) as [{ type: string; requests: number; maxActiveRequests: number }];
    if (message.type === 'stats') return message;
  }
}

const child = fork(fileURLToPath(new URL('./loopback-server-process.ts', import.meta.url)), [String(latencyMs)], { execArgv: ['--import', 'tsx'] });
const [ready] = (await once(child, 'message')) as [{ type: string; url: string }];
const baseUrl = `${ready.url}/v1`;
let round = 0;
const prompt = (index: number) => `question ${round}-${index}`;

// Baseline: undici's request() with the same keep-alive settings; no retries, limits, cache or records.
const agent = new Agent({ keepAliveTimeout: 30_000, headersTimeout: 0, bodyTimeout: 0 });
const bare = async (index: number) => {
  const response = await request(`${baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'loopback-model', messages: [{ role: 'user', content: prompt(index) }] }),
    dispatcher: agent,
  });
  JSON.parse(await response.body.text());
};

// The client with everything on: limits, response cache, call records, prices. Storage is a plain map
// here, so that the figures are the client's own; the reference InMemorySequenceStorage (which also
// validates and redacts every record) is measured once after, for information.
class MapStorage extends InMemorySequenceStorage {
  readonly entries = new Map<string, CacheEntry>();
  readonly records: ModelCallRecord[] = [];
  override async getCacheEntry(key: string) {
    return this.entries.get(key);
  }
  override async putCacheEntries(entries: readonly CacheEntry[]) {
    for (const entry of entries) this.entries.set(entry.key, entry);
  }
}
const storage = new MapStorage();
const clientOptions = (name: string, store: InMemorySequenceStorage, write: (records: readonly ModelCallRecord[]) => Promise<void>) => ({
  endpoint: { kind: 'openai' as const, baseUrl, defaultModel: 'loopback-model', name },
  limits: { maxConcurrent: concurrency },
  cache: { storage: store },
  recorder: write,
  prices: { 'loopback-model': { inputPerMillion: 1, outputPerMillion: 2 } },
});
const client = createModelClient(clientOptions('bench-loopback', storage, async (records) => void storage.records.push(...records)));
const viaClient = (index: number) => client.chat({ messages: [{ role: 'user', content: prompt(index) }] });

// Warm up both paths (JIT, connections).
round = -1;
await runWorkers(500, bare);
await runWorkers(500, viaClient);
await serverStats(child);

const results = { bare: [] as RunResult[], client: [] as RunResult[], limited: [] as RunResult[] };
let peakConcurrency = 0;
const longestStallsMs: number[] = [];
for (let index = 0; index < rounds; index += 1) {
  round += 1;
  results.bare.push(await runWorkers(calls, bare));
  round += 1;
  results.client.push(await runWorkers(calls, viaClient));
  round += 1;
  // The longest the event loop was held in the 5000-at-once round: starting thousands of calls in one go
  // must not stall the reading of the answers already in flight.
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  results.limited.push(await runAllAtOnce(calls, viaClient));
  loopDelay.disable();
  longestStallsMs.push(loopDelay.max / 1e6);
  peakConcurrency = Math.max(peakConcurrency, (await serverStats(child)).maxActiveRequests);
}
await client.close();

const reference = new InMemorySequenceStorage();
const referenceClient = createModelClient(clientOptions('bench-reference', reference, (records) => reference.putModelCalls(records)));
round += 1;
const referenceRun = await runAllAtOnce(calls, (index) => referenceClient.chat({ messages: [{ role: 'user', content: prompt(index) }] }));
await referenceClient.close();

const summary = (runs: RunResult[]) => {
  const best = runs.reduce((left, right) => (right.callsPerSecond > left.callsPerSecond ? right : left));
  const middle = [...runs].sort((left, right) => left.callsPerSecond - right.callsPerSecond)[Math.floor(runs.length / 2)]!;
  return { best, middle, cpu: median(runs.map((run) => run.cpuMicrosecondsPerCall)) };
};
const line = (label: string, runs: RunResult[]) => {
  const { best, middle, cpu } = summary(runs);
  return `${label.padEnd(44)} median ${(middle.callsPerSecond / idealPerSecond).toFixed(3)}  best ${(best.callsPerSecond / idealPerSecond).toFixed(3)}  (${middle.callsPerSecond.toFixed(0)} calls/s)  client CPU ${cpu.toFixed(0)} µs/call`;
};

console.log(`\n${calls} chat calls per round, ${rounds} rounds, ${latencyMs} ms server latency, ${concurrency} concurrent; ideal ${idealPerSecond} calls/s`);
console.log(
  `load average at the end: ${loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')} (2 cores; other work on the machine slows every row alike)\n`,
);
console.log('throughput as a fraction of ideal');
console.log(line('bare undici, 32 workers', results.bare));
console.log(line('client, 32 workers', results.client));
console.log(line('client, 5000 at once (its limiter keeps 32)', results.limited));
console.log(line('  same, InMemorySequenceStorage (reference)', [referenceRun]));
console.log(`server peak concurrency: ${peakConcurrency} (limit ${concurrency})`);
console.log(`longest event-loop stall while ${calls} calls start at once: median ${median(longestStallsMs).toFixed(0)} ms over the rounds`);

// Overhead per call: client latency minus bare latency at the same percentile, in the same rounds.
const bareLatencies = results.bare.flatMap((run) => run.latencies).sort((left, right) => left - right);
const clientLatencies = results.client.flatMap((run) => run.latencies).sort((left, right) => left - right);
console.log(`\nper-call latency (ms)        p50      p99`);
console.log(`bare undici            ${percentile(bareLatencies, 0.5).toFixed(2).padStart(7)}  ${percentile(bareLatencies, 0.99).toFixed(2).padStart(7)}`);
console.log(`client                 ${percentile(clientLatencies, 0.5).toFixed(2).padStart(7)}  ${percentile(clientLatencies, 0.99).toFixed(2).padStart(7)}`);
console.log(
  `client overhead        ${(percentile(clientLatencies, 0.5) - percentile(bareLatencies, 0.5)).toFixed(2).padStart(7)}  ${(percentile(clientLatencies, 0.99) - percentile(bareLatencies, 0.99)).toFixed(2).padStart(7)}` +
    `   (ratio client/bare: p50 ${(percentile(clientLatencies, 0.5) / percentile(bareLatencies, 0.5)).toFixed(3)}, p99 ${(percentile(clientLatencies, 0.99) / percentile(bareLatencies, 0.99)).toFixed(3)})`,
);
// The figures to compare across changes: the client against bare undici of the same run (machine load cancels out).
const bareMedian = summary(results.bare).middle.callsPerSecond;
const ofBare = (runs: RunResult[]) => (summary(runs).middle.callsPerSecond / bareMedian).toFixed(3);
console.log(
  `\nthroughput through the client as a fraction of bare undici (medians): 32 workers ${ofBare(results.client)}, ${calls} at once ${ofBare(results.limited)}; target >= 0.97`,
);
const fraction = summary(results.limited).middle.callsPerSecond / idealPerSecond;
console.log(`\nthroughput through the client (median round): ${fraction.toFixed(3)} of ideal; target >= 0.9 ${fraction >= 0.9 ? 'met' : 'NOT met'}`);
console.log(`records written: ${storage.records.length}, cache entries: ${storage.entries.size}`);

child.send({ type: 'close' });
await agent.close();
