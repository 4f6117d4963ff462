// Benchmark of evaluation in Docker (needs dockerd and codemonkeys/base:bookworm; build first with `npx tsup`).
//   1. Ten candidate patches of one fixture instance evaluated with one container reused and reset between
//      candidates, against a fresh container per candidate (what the SWE-bench harness and CodeMonkeys do),
//      alternating in the same run. The repository is streamed into /testbed in both: once per instance when
//      reusing, once per candidate otherwise.
//   Once on the fixture repository as it is (a dozen files) and once with FILLER_FILES (default 2000)
//   more modules, the size of a real repository.
//   2. The overhead of a sandbox exec against a bare exec (Docker API and `docker exec` CLI) of a no-op.
// ROUNDS=N (default 3) and EXECS=N (default 30) tighten the figures.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createDockerSandbox } from '@codemonkeys/sandbox-docker';
import { createInstanceSandboxProvider, createRepositoryCache, evaluatePatch } from '../dist/index.js';
import { createFixtureRepository, fixtureEnvironmentSpec } from '../dist/testing.js';

const rounds = Number(process.env.ROUNDS ?? 3);
const execs = Number(process.env.EXECS ?? 30);
const median = (values) => {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const fillerFiles = Number(process.env.FILLER_FILES ?? 2000);
const fixture = await createFixtureRepository({ instances: ['word-count'] });
const smallInstance = fixture.instance('word-count');
const spec = fixtureEnvironmentSpec();

/**
 * The same instance in a repository of a real one's size (SWE-bench Lite repositories hold hundreds to
 * thousands of files): a commit on top of the base adds modules nobody imports; the patches still apply.
 */
function largeInstance() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'evaluation-bench-large-'));
  execFileSync('git', ['clone', '-q', fixture.root, work]);
  execFileSync('git', ['checkout', '-q', '-b', 'large', smallInstance.baseCommit], { cwd: work });
  for (let index = 0; index < fillerFiles; index += 1) {
    const file = path.join(work, 'textkit', 'vendor', `package_${Math.floor(index / 100)}`, `module_${index}.py`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, Array.from({ length: 40 }, (_, line) => `def function_${index}_${line}(value):\n    return value * ${line} + ${index}\n`).join('\n'));
  }
  execFileSync('git', ['add', '-A'], { cwd: work });
  execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@localhost', 'commit', '-q', '-m', 'vendor modules'], { cwd: work });
  const baseCommit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: work, encoding: 'utf8' }).trim();
  return { instance: { ...smallInstance, instanceId: 'codemonkeys-fixtures__textkit-large-1', baseCommit }, source: work };
}
const large = largeInstance();

/** The five fixture candidates, and five more: the gold fix, each with a different comment above it. */
function tenCandidates() {
  const candidates = fixture.candidates(smallInstance.instanceId).map((candidate) => ({ name: candidate.name, diff: candidate.diff, resolved: candidate.expected.resolved }));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'evaluation-bench-'));
  execFileSync('git', ['clone', '-q', fixture.root, work]);
  for (let index = 1; candidates.length < 10; index += 1) {
    execFileSync('git', ['checkout', '-q', '-f', smallInstance.baseCommit], { cwd: work });
    execFileSync('git', ['apply'], { cwd: work, input: smallInstance.patch });
    const file = path.join(work, 'textkit/words.py');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('def split_words(', `# Variant ${index} of the fix.\ndef split_words(`));
    candidates.push({ name: `gold variant ${index}`, diff: execFileSync('git', ['diff'], { cwd: work, encoding: 'utf8' }), resolved: true });
  }
  fs.rmSync(work, { recursive: true, force: true });
  return candidates;
}

const candidates = tenCandidates();
const cacheDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'evaluation-bench-cache-'));
const cache = createRepositoryCache({ directory: cacheDirectory, repositorySources: { [fixture.repo]: large.source } });
const sandbox = await createDockerSandbox({ labels: { 'codemonkeys.bench': 'swebench-evaluation' } });

/** The least an exec through the Docker API does: create, start attached, read to the end, inspect the exit code. */
async function bareApiExec(containerId) {
  const exec = await sandbox.docker.getContainer(containerId).exec({ Cmd: ['true'], AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  stream.resume();
  await new Promise((resolve) => stream.once('end', resolve));
  for (;;) {
    const info = await exec.inspect();
    if (!info.Running) return info.ExitCode;
  }
}

async function evaluateAll(instance, isolation) {
  const provider = createInstanceSandboxProvider({ sandbox, repositoryCache: cache, specs: [spec], isolation });
  const started = performance.now();
  try {
    const instanceSandbox = provider.sandboxFor(instance);
    const verdicts = [];
    for (const candidate of candidates) {
      const evaluation = await evaluatePatch({ instance, patch: candidate.diff, instanceSandbox });
      if (evaluation.resolved !== candidate.resolved || evaluation.infrastructureFailure) {
        throw new Error(`${isolation}: ${candidate.name} gave resolved=${evaluation.resolved} ${evaluation.infrastructureFailure?.message ?? ''}`);
      }
      verdicts.push(evaluation.resolved);
    }
    return { ms: performance.now() - started, statistics: { ...instanceSandbox.statistics } };
  } finally {
    await provider.close();
  }
}

try {
  // Build the environment image and warm the mirror outside the timings.
  const warm = createInstanceSandboxProvider({ sandbox, repositoryCache: cache, specs: [spec] });
  await warm.sandboxFor(smallInstance).use(async () => undefined);
  await warm.close();

  for (const [label, instance] of [
    ['the fixture repository (a dozen files)', smallInstance],
    [`the fixture with ${fillerFiles} more modules`, large.instance],
  ]) {
    const reuse = [];
    const fresh = [];
    let statistics;
    for (let round = 0; round < rounds; round += 1) {
      const reused = await evaluateAll(instance, 'reuse');
      const separate = await evaluateAll(instance, 'fresh');
      reuse.push(reused.ms);
      fresh.push(separate.ms);
      statistics = { reuse: reused.statistics, fresh: separate.statistics };
    }
    const reuseMs = median(reuse);
    const freshMs = median(fresh);
    console.log(
      `evaluate ${candidates.length} candidates of one instance, ${label} (median of ${rounds} rounds, every verdict as expected):\n` +
        `  one container reused and reset: ${reuseMs.toFixed(0)} ms (${(reuseMs / candidates.length).toFixed(0)} ms per candidate; ${statistics.reuse.sessionsOpened} container, ${statistics.reuse.resets} resets)\n` +
        `  fresh container per candidate:  ${freshMs.toFixed(0)} ms (${(freshMs / candidates.length).toFixed(0)} ms per candidate; ${statistics.fresh.sessionsOpened} containers)\n` +
        `  → reuse is ${(freshMs / reuseMs).toFixed(2)}× faster`,
    );
  }

  // Exec overhead: the same no-op through the sandbox session and through the docker CLI, in one container.
  const provider = createInstanceSandboxProvider({ sandbox, repositoryCache: cache, specs: [spec] });
  await provider.sandboxFor(smallInstance).use(async (session) => {
    await session.exec(['true']);
    const ours = [];
    const api = [];
    const bare = [];
    for (let index = 0; index < execs; index += 1) {
      let started = performance.now();
      const result = await session.exec(['true']);
      ours.push(performance.now() - started);
      if (result.exitCode !== 0) throw new Error('true failed in the sandbox');
      started = performance.now();
      await bareApiExec(session.id);
      api.push(performance.now() - started);
      started = performance.now();
      const cli = spawnSync('docker', ['exec', session.id, 'true']);
      bare.push(performance.now() - started);
      if (cli.status !== 0) throw new Error(`docker exec failed: ${cli.stderr}`);
    }
    const oursMs = median(ours);
    const apiMs = median(api);
    const bareMs = median(bare);
    console.log(
      `exec of a no-op in the instance's container (median of ${execs}):\n` +
        `  sandbox session.exec: ${oursMs.toFixed(1)} ms (under coreutils timeout, both streams captured, exit code read)\n` +
        `  bare exec through the Docker API (create, start, read, inspect): ${apiMs.toFixed(1)} ms → session.exec takes ${(oursMs / apiMs).toFixed(2)}× its time\n` +
        `  bare \`docker exec\` CLI: ${bareMs.toFixed(1)} ms → session.exec takes ${(oursMs / bareMs).toFixed(2)}× its time`,
    );
  });
  await provider.close();
} finally {
  await sandbox.close();
  await cache.close();
  await fixture.cleanup();
  fs.rmSync(cacheDirectory, { recursive: true, force: true });
  fs.rmSync(large.source, { recursive: true, force: true });
}
