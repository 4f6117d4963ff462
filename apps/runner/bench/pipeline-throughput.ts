// 100 fixture instances × 8 samples through the whole configured pipeline (two localizers fused by
// reciprocal rank, generator-llm with 8 samples and reproduction tests, a vote, every reward, SQLite),
// run by the built CLI (`codemonkeys run`, as users run it) against the scripted model on a loopback
// server that answers each call after 2 s, with at most 32 calls in flight. The figure is the wall time
// of the run as a ratio to the ideal: model calls × 2 s / 32, the time the endpoint alone needs. A ratio
// near 1 means that repository, CPU and sandbox work overlap the waiting instead of adding to it.
//
// `npm run bench` in apps/runner (it builds first). Variants: `--sandbox none` (no Docker: no gold tests,
// no generated-test runs), `--sandbox docker` (SWE-bench verdicts of every candidate and the generated
// tests in containers), or `both` (default). Environment: BENCH_INSTANCES (100), BENCH_SAMPLES (8),
// BENCH_LATENCY_MS (2000), BENCH_MAX_CONCURRENT (32), BENCH_CONTAINERS (2), BENCH_INSTANCE_CONCURRENCY (the runner's
// `concurrency.instances`; default 32, as many instances as calls in flight: each instance keeps 1 to 8
// calls waiting, and more instances at once only add git processes competing for the two cores).
//
// What the wall time includes: the whole CLI process, from spawn to exit (opening storage, mirroring
// the fixture repository, loading plugins, checking Docker, every stage, the reports). What it excludes:
// building the fixture repository and writing the dataset, which is the benchmark's own preparation,
// not the runner's work. The loopback server runs in this process, the runner in its own, as a real
// endpoint would be.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startLoopbackModelServer } from '@codemonkeys/llm/testing';
import type { ExperimentConfigInput } from '../src/config/experiment-config';
import { prepareDemoDataset, type DemoDataset } from '../src/demo/demo-dataset';
import { createScriptedModelHandler } from '../src/demo/scripted-model';

const instanceCount = Number(process.env.BENCH_INSTANCES ?? 100);
const samples = Number(process.env.BENCH_SAMPLES ?? 8);
const latencyMs = Number(process.env.BENCH_LATENCY_MS ?? 2000);
const maxConcurrent = Number(process.env.BENCH_MAX_CONCURRENT ?? 32);
const instanceConcurrency = Number(process.env.BENCH_INSTANCE_CONCURRENCY ?? maxConcurrent);
/** Sandbox commands at once (the runner's default, 2: one per core). */
const containers = Number(process.env.BENCH_CONTAINERS ?? 2);
const sandboxArgument =
  process.argv.find((argument) => argument.startsWith('--sandbox='))?.slice('--sandbox='.length) ?? process.argv[process.argv.indexOf('--sandbox') + 1] ?? 'both';
const variants = sandboxArgument === 'both' || !['none', 'docker'].includes(sandboxArgument) ? (['none', 'docker'] as const) : ([sandboxArgument] as ['none' | 'docker']);
const keep = process.argv.includes('--keep');
/** Extra node arguments of the runner process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/profiles` to profile it. */
const nodeArguments = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);

const cliPath = new URL('../dist/cli.js', import.meta.url).pathname;
const probePath = new URL('./spawn-probe.cjs', import.meta.url).pathname;
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const loadAverage = (): string =>
  os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

interface VariantResult {
  sandbox: 'none' | 'docker';
  exitCode: number | null;
  calls: number;
  embeddingRequests: number;
  maxActive: number;
  wallMs: number;
  idealMs: number;
  /** Spawn → first model request: storage, mirrors, plugins, Docker check. */
  beforeFirstCallMs: number;
  /** First request → last answer. */
  modelSpanMs: number;
  /** Last answer → exit: the rewards and reports left after the endpoint's last answer. */
  afterLastAnswerMs: number;
  /** Calls × latency over (span × limit): how full the endpoint's slots were while it was in use. */
  slotUse: number;
  /** Requests that arrived in each tenth of the model span (a gap shows where the endpoint idled). */
  arrivalsByTenth: number[];
  loadBefore: string;
  loadAfter: string;
  /** The runner's event loop: blocked inside child_process.spawn, and busy overall (spawn-probe.cjs). */
  probe: { spawns: number; blockedMs: number; eventLoopUtilization: number; byCommand: Record<string, number> } | undefined;
  stdout: string;
  logFile: string;
}

async function runVariant(dataset: DemoDataset, directory: string, sandbox: 'none' | 'docker'): Promise<VariantResult> {
  const scripted = createScriptedModelHandler({ instances: dataset.scripted });
  const arrivals: number[] = [];
  const server = await startLoopbackModelServer({
    model: 'scripted',
    latencyMs,
    handler: (request) => {
      arrivals.push(Date.now());
      return scripted(request);
    },
  });
  const variantDirectory = path.join(directory, `sandbox-${sandbox}`);
  fs.mkdirSync(variantDirectory, { recursive: true });
  const config: ExperimentConfigInput = {
    name: `bench-${sandbox}`,
    dataset: dataset.datasetFile,
    repositories: dataset.fixture.repositorySources,
    cacheDirectory: path.join(variantDirectory, 'repositories'),
    models: { default: { baseUrl: `${server.url}/v1`, model: 'scripted', name: 'scripted-bench-model', maxConcurrent, price: { inputPerMillion: 1, outputPerMillion: 2 } } },
    localizer: [
      { plugin: 'agentless', options: { samples: 1 } },
      { plugin: 'embedding', options: { tokenBudget: 1500 } },
    ],
    generator: { plugin: 'llm', options: { samples, seed: 1000, tests: 'combined', concurrency: samples } },
    selector: 'vote',
    storage: `sqlite:${path.join(variantDirectory, 'runs.db')}`,
    sandbox: sandbox === 'docker' ? { specFile: dataset.specFile } : 'none',
    rewards: { testTimeoutSeconds: 30 },
    concurrency: { instances: instanceConcurrency, containers, cpu: 2 },
    retries: 0,
    output: path.join(variantDirectory, 'output'),
  };
  const configFile = path.join(variantDirectory, 'experiment.json');
  fs.writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  const logFile = path.join(variantDirectory, 'run.log');
  const log = fs.createWriteStream(logFile);
  const loadBefore = loadAverage();

  const started = Date.now();
  const probeFile = path.join(variantDirectory, 'spawn-probe.json');
  const child = spawn(process.execPath, ['--require', probePath, ...nodeArguments, cliPath, 'run', configFile, '--progress', 'lines'], {
    cwd: variantDirectory,
    env: { ...process.env, CODEMONKEYS_SPAWN_PROBE: probeFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    log.write(chunk);
  });
  child.stderr.pipe(log, { end: false });
  const exitCode = await new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const finished = Date.now();
  log.end();
  const loadAfter = loadAverage();

  const calls = server.requestCount('openai-chat');
  const embeddingRequests = server.requestCount('openai-embeddings');
  const maxActive = server.maxActiveRequests;
  await server.close();

  const first = Math.min(...arrivals);
  const lastAnswer = Math.max(...arrivals) + latencyMs;
  const span = lastAnswer - first;
  const arrivalsByTenth = Array.from({ length: 10 }, () => 0);
  for (const arrival of arrivals) arrivalsByTenth[Math.min(9, Math.floor(((arrival - first) / span) * 10))]! += 1;
  const wallMs = finished - started;
  const idealMs = (calls * latencyMs) / maxConcurrent;
  return {
    sandbox,
    exitCode,
    calls,
    embeddingRequests,
    maxActive,
    wallMs,
    idealMs,
    beforeFirstCallMs: first - started,
    modelSpanMs: span,
    afterLastAnswerMs: finished - lastAnswer,
    slotUse: (arrivals.length * latencyMs) / (span * maxConcurrent),
    arrivalsByTenth,
    loadBefore,
    loadAfter,
    probe: fs.existsSync(probeFile) ? (JSON.parse(fs.readFileSync(probeFile, 'utf8')) as VariantResult['probe']) : undefined,
    stdout,
    logFile,
  };
}

function print(result: VariantResult): void {
  const ratio = result.wallMs / result.idealMs;
  const lines = [
    `sandbox ${result.sandbox === 'docker' ? 'docker (gold tests of every candidate + generated tests)' : 'none (no container work)'}: exit code ${result.exitCode}`,
    `  model calls answered   ${result.calls} (embedding requests ${result.embeddingRequests}); most in flight at once ${result.maxActive} (limit ${maxConcurrent})`,
    `  wall time              ${seconds(result.wallMs)} (whole CLI process)`,
    `  ideal                  ${seconds(result.idealMs)} = ${result.calls} calls × ${latencyMs / 1000} s / ${maxConcurrent}`,
    `  ratio wall / ideal     ${ratio.toFixed(3)} (target ≤ 1.15: ${ratio <= 1.15 ? 'met' : 'NOT met'})`,
    `  breakdown              start → first call ${seconds(result.beforeFirstCallMs)}; first call → last answer ${seconds(result.modelSpanMs)} (endpoint slots ${(result.slotUse * 100).toFixed(1)} % used); last answer → exit ${seconds(result.afterLastAnswerMs)}`,
    `  calls per tenth of the model span ${result.arrivalsByTenth.join(' ')}`,
    ...(result.probe
      ? [
          `  runner event loop      ${(result.probe.eventLoopUtilization * 100).toFixed(0)} % busy; blocked ${seconds(result.probe.blockedMs)} inside ${result.probe.spawns} child_process.spawn calls (${(result.probe.blockedMs / Math.max(1, result.probe.spawns)).toFixed(1)} ms each, ${(result.probe.spawns / instanceCount / samples).toFixed(1)} per sample)`,
          `  processes started      ${Object.entries(result.probe.byCommand)
            .map(([command, count]) => `${count} ${command}`)
            .join(', ')}`,
        ]
      : []),
    `  load average before ${result.loadBefore}; after ${result.loadAfter} (${os.cpus().length} cores)`,
    `  log ${result.logFile}`,
  ];
  console.log(lines.join('\n'));
}

const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'codemonkeys-runner-bench-'));
console.log(
  `pipeline throughput: ${instanceCount} fixture instances × ${samples} samples, ${latencyMs} ms per call, ${maxConcurrent} calls at once, ${instanceConcurrency} instances and ${containers} sandbox commands at once; variants: ${variants.join(', ')}`,
);
const preparing = Date.now();
// Three fixture bugs at three commits of one real git repository; the copies are distinct instances
// (own ids and issue texts), each checked out, indexed, localized, generated and rewarded on its own.
const dataset = await prepareDemoDataset(path.join(directory, 'example'), { copies: instanceCount, testTimeoutSeconds: 30 });
console.log(`prepared the fixture repository and dataset in ${seconds(Date.now() - preparing)} (not counted)`);
const results: VariantResult[] = [];
try {
  for (const sandbox of variants) {
    const result = await runVariant(dataset, directory, sandbox);
    print(result);
    results.push(result);
    if (result.exitCode !== 0) console.log(`  the run did not finish cleanly; last lines of its output:\n${result.stdout.split('\n').slice(-15).join('\n')}`);
    await sleep(1000);
  }
} finally {
  await dataset.fixture.cleanup().catch(() => undefined);
  if (!keep) fs.rmSync(directory, { recursive: true, force: true });
  else console.log(`kept ${directory}`);
}
if (results.some((result) => result.exitCode !== 0)) process.exitCode = 1;
