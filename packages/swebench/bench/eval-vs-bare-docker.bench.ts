/**
 * Benchmark: gold evaluation of the fixture instances with this package's evaluation (what
 * `codemonkeys eval` runs: an instance sandbox per instance — container, repository streamed in and
 * committed, snapshot — then `evaluatePatch`: candidate, test files reset, test patch, tests under the
 * completion guard, grading) against a bare shell-script evaluation through the `docker` CLI
 * (`docker create` / `cp` / `start` / `exec` / `rm`, nothing else), interleaved instance by instance in
 * the same run so that both see the same load. Reports both walls, their ratio and whether the
 * verdicts agree.
 *
 *   npx tsx packages/swebench/bench/eval-vs-bare-docker.bench.ts      (ROUNDS=8 to tighten; default 5)
 *
 * Needs the Docker daemon and the bookworm base image (scripts/setup-machine.sh builds it).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createDockerSandbox } from '@codemonkeys/sandbox-docker';
import { createInstanceSandboxProvider, createRepositoryCache, evaluatePatch, testCommandFor, type EnvironmentInstanceSandbox } from '../src/index';
import { createFixtureRepository, fixtureEnvironmentSpec, fixtureInstanceNames } from '../src/testing/index';

const rounds = Number(process.env.ROUNDS ?? 5);

function run(command: string, args: string[], options: { input?: string | NodeJS.ReadableStream } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    if (typeof options.input === 'string') child.stdin.end(options.input);
    else if (options.input) options.input.pipe(child.stdin);
    else child.stdin.end();
  });
}

async function must(command: string, args: string[], options: { input?: string | NodeJS.ReadableStream } = {}): Promise<string> {
  const result = await run(command, args, options);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}

const fixture = await createFixtureRepository({ instances: [...fixtureInstanceNames] });
const cacheDirectory = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-eval-bare-'));
const repositoryCache = createRepositoryCache({ directory: cacheDirectory, repositorySources: fixture.repositorySources });
const sandbox = await createDockerSandbox({ labels: { 'codemonkeys.bench': 'eval-vs-bare-docker' } });
const spec = fixtureEnvironmentSpec();
const image = (
  await createInstanceSandboxProvider({ sandbox, repositoryCache, specs: [spec] })
    .sandboxFor(fixture.instances[0]!)
    .image()
).image;

/** The bare script: a container from the same image, the repository at the base commit copied in, gold and test patch applied, the tests run. */
async function bareEvaluation(instance: (typeof fixture.instances)[number]): Promise<{ resolved: boolean; ms: number }> {
  const started = performance.now();
  const id = (await must('docker', ['create', '--network', 'none', '--label', 'codemonkeys.bench=eval-vs-bare-docker', '-w', '/testbed', image, 'sleep', 'infinity'])).trim();
  try {
    await must('docker', ['start', id]);
    await must('docker', ['exec', id, 'mkdir', '-p', '/testbed']);
    const archive = spawn('git', ['archive', '--format=tar', instance.baseCommit], { cwd: fixture.root, stdio: ['ignore', 'pipe', 'inherit'] });
    await must('docker', ['cp', '-', `${id}:/testbed`], { input: archive.stdout });
    await must('docker', ['exec', '-i', id, 'git', 'apply', '-'], { input: instance.patch });
    await must('docker', ['exec', '-i', id, 'git', 'apply', '-'], { input: instance.testPatch });
    const tests = await run('docker', ['exec', id, 'bash', '-c', testCommandFor(spec, instance)]);
    return { resolved: tests.code === 0, ms: performance.now() - started };
  } finally {
    await run('docker', ['rm', '-f', id]);
  }
}

async function harnessEvaluation(instance: (typeof fixture.instances)[number], isolation: 'reuse' | 'fresh'): Promise<{ resolved: boolean; ms: number }> {
  const started = performance.now();
  const provider = createInstanceSandboxProvider({ sandbox, repositoryCache, specs: [spec], isolation });
  try {
    const instanceSandbox: EnvironmentInstanceSandbox = provider.sandboxFor(instance);
    const evaluation = await evaluatePatch({ instance, patch: instance.patch, instanceSandbox });
    return { resolved: evaluation.resolved, ms: performance.now() - started };
  } finally {
    await provider.close();
  }
}

const modes = ['bare', 'reuse', 'fresh'] as const;
const labels: Record<(typeof modes)[number], string> = {
  bare: 'bare docker CLI script (create, cp, start, exec, rm)',
  reuse: 'evaluatePatch, instance sandbox with isolation reuse (snapshot, reset after use)',
  fresh: 'evaluatePatch, instance sandbox with isolation fresh (single use: no snapshot, no reset)',
};
const evaluateIn = (mode: (typeof modes)[number], instance: (typeof fixture.instances)[number]) => (mode === 'bare' ? bareEvaluation(instance) : harnessEvaluation(instance, mode));

try {
  // Warm-up: every path once (page cache, image layers), not counted.
  for (const instance of fixture.instances) for (const mode of modes) await evaluateIn(mode, instance);
  const wall = { bare: 0, reuse: 0, fresh: 0 };
  let agreements = 0;
  let evaluations = 0;
  for (let round = 0; round < rounds; round += 1) {
    for (const [index, instance] of fixture.instances.entries()) {
      const offset = (round + index) % modes.length;
      const verdicts: boolean[] = [];
      for (const mode of [...modes.slice(offset), ...modes.slice(0, offset)]) {
        const result = await evaluateIn(mode, instance);
        verdicts.push(result.resolved);
        wall[mode] += result.ms;
      }
      evaluations += 1;
      if (verdicts.every((verdict) => verdict)) agreements += 1;
    }
  }
  console.log(`## Gold evaluation of ${fixture.instances.length} fixture instances × ${rounds} rounds, interleaved (rotating order)\n`);
  console.log('| path | wall | per evaluation | ratio to bare |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const mode of modes)
    console.log(`| ${labels[mode]} | ${(wall[mode] / 1000).toFixed(2)} s | ${(wall[mode] / evaluations).toFixed(0)} ms | ${(wall[mode] / wall.bare).toFixed(3)} |`);
  console.log(`\nevery path resolved the gold patch in ${agreements} of ${evaluations} evaluations`);
} finally {
  await sandbox.close();
  await repositoryCache.close();
  await fixture.cleanup();
  await fs.rm(cacheDirectory, { recursive: true, force: true });
}
