/**
 * Benchmark: evaluating the 10 candidate patches of one instance (apply the diff, run pytest) with one
 * container reused and reset between candidates, against a fresh container per candidate (what the
 * SWE-bench harness and CodeMonkeys do), in the same run; and the overhead of this package's `exec`
 * against a bare exec through the Docker API and through the `docker exec` CLI.
 *
 *   npm run bench -w @codemonkeys/sandbox-docker
 *   (ROUNDS=5 EXEC_ITERATIONS=100 to tighten; FILLER_FILES=N sets the repository's size, default 1000 modules)
 *
 * Needs the Docker daemon and the base image (scripts/build-base-image.sh).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { type SandboxSession } from '@codemonkeys/protocol';
import { createInstanceSandboxPool, type InstanceSandboxPool } from '../src/index';
import { createDockerSandbox, type DockerSandbox } from '@codemonkeys/sandbox-docker';
import { baseFiles, candidates, evaluationScript, fillerFiles } from './fixture-instance';

const baseImage = process.env.CODEMONKEYS_SANDBOX_IMAGE ?? 'codemonkeys/base:bookworm';
const rounds = Number(process.env.ROUNDS ?? 3);
const execIterations = Number(process.env.EXEC_ITERATIONS ?? 40);
const socketPath = process.env.DOCKER_SOCKET ?? '/var/run/docker.sock';
const fillerCount = Number(process.env.FILLER_FILES ?? 1000);

const median = (values: number[]): number => {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const milliseconds = (value: number): string => `${value.toFixed(1)} ms`;

function git(directory: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@localhost', ...args], { cwd: directory, encoding: 'utf8' });
}

function writeFiles(directory: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(directory, name)), { recursive: true });
    fs.writeFileSync(path.join(directory, name), content);
  }
}

/** The fixture repository on the host and each candidate's diff, made by git itself. */
function makeFixture(repositoryFiles: Record<string, string>): { repository: string; diffs: string[] } {
  const repository = fs.mkdtempSync(path.join(os.tmpdir(), 'codemonkeys-bench-'));
  git(repository, 'init', '-q', '-b', 'main');
  writeFiles(repository, repositoryFiles);
  git(repository, 'add', '-A');
  git(repository, 'commit', '-q', '-m', 'base');
  const diffs = candidates.map((candidate) => {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'codemonkeys-bench-candidate-'));
    const base = candidate.againstBase ? candidate.againstBase(baseFiles) : baseFiles;
    git(scratch, 'init', '-q');
    writeFiles(scratch, base);
    git(scratch, 'add', '-A');
    git(scratch, 'commit', '-q', '-m', 'base');
    writeFiles(scratch, candidate.edit(base));
    git(scratch, 'add', '-A');
    const diff = git(scratch, 'diff', '--cached');
    fs.rmSync(scratch, { recursive: true, force: true });
    return diff;
  });
  return { repository, diffs };
}

/** `git archive` of the base commit, streamed (what the runner's prepare does with the real repository). */
async function* gitArchive(repository: string): AsyncIterable<Uint8Array> {
  const child = spawn('git', ['archive', '--format=tar', 'HEAD'], { cwd: repository, stdio: ['ignore', 'pipe', 'inherit'] });
  yield* child.stdout;
}

/** Puts the candidate in, applies it and runs the tests; returns the outcome and how long that took. */
async function evaluate(session: SandboxSession, diff: string): Promise<{ outcome: string; ms: number }> {
  const started = performance.now();
  await session.putFiles([{ path: '/tmp/candidate.diff', content: diff }]);
  const result = await session.exec(evaluationScript, { timeoutMs: 120_000 });
  const lines = result.stdout.trim().split('\n');
  return { outcome: `${lines[0]} ${lines[1] ?? ''}`.replace(/ in [\d.]+s/, '').trim(), ms: performance.now() - started };
}

const modes = [
  'fresh container per candidate, repository in the image',
  'reused container, repository in the image',
  'fresh container per candidate, repository streamed in',
  'reused container, repository streamed in once',
] as const;
type Mode = (typeof modes)[number];

/** Streams the repository into /testbed and commits it, as an instance image has it. */
async function streamRepository(session: SandboxSession, repository: string): Promise<void> {
  await session.putArchive(gitArchive(repository), '/testbed');
  const committed = await session.exec('git -c init.defaultBranch=main init -q && git add -A && git -c user.name=bench -c user.email=bench@localhost commit -q -m base');
  if (committed.exitCode !== 0) throw new Error(committed.stderr);
}

/**
 * One round: every candidate evaluated in every mode, interleaved candidate by candidate (in a rotating
 * order) so that the modes share the machine's load; each mode's time includes opening and closing what
 * it uses (the pools' one-time prepare and snapshot are in their first candidate).
 */
interface RoundResult {
  ms: number;
  /** Time spent in the evaluations themselves (put the diff, apply, pytest): the rest is sandbox overhead. */
  evaluationMs: number;
  outcomes: string[];
}

async function runRound(round: number, sandbox: DockerSandbox, instanceImage: string, repository: string, diffs: string[]): Promise<Map<Mode, RoundResult>> {
  const results = new Map<Mode, RoundResult>(modes.map((mode) => [mode, { ms: 0, evaluationMs: 0, outcomes: [] }]));
  const specOf = (mode: Mode) => ({ image: mode.includes('streamed') ? baseImage : instanceImage, workdir: '/testbed' });
  const pools = new Map<Mode, InstanceSandboxPool>();
  for (const mode of modes) {
    if (!mode.startsWith('reused')) continue;
    // The pool makes the workdir a repository itself after prepare; only the files are streamed.
    pools.set(
      mode,
      createInstanceSandboxPool({
        instanceId: 'bench__calc-1',
        sandbox,
        spec: specOf(mode),
        ...(mode.includes('streamed') ? { prepare: (session: SandboxSession) => session.putArchive(gitArchive(repository), '/testbed') } : {}),
      }),
    );
  }
  const timed = async (mode: Mode, work: () => Promise<{ outcome: string; ms: number } | void>): Promise<void> => {
    const started = performance.now();
    const evaluation = await work();
    const result = results.get(mode)!;
    result.ms += performance.now() - started;
    if (evaluation) {
      result.outcomes.push(evaluation.outcome);
      result.evaluationMs += evaluation.ms;
    }
  };
  for (const [index, diff] of diffs.entries()) {
    const offset = (index + round) % modes.length;
    for (const mode of [...modes.slice(offset), ...modes.slice(0, offset)]) {
      await timed(mode, async () => {
        const pool = pools.get(mode);
        if (pool) return pool.use((session) => evaluate(session, diff));
        const session = await sandbox.open(specOf(mode));
        try {
          if (mode.includes('streamed')) await streamRepository(session, repository);
          return await evaluate(session, diff);
        } finally {
          await session.close();
        }
      });
    }
  }
  for (const [mode, pool] of pools) await timed(mode, () => pool.close());
  return results;
}

/** One HTTP request to the daemon over its socket, the body read to the end. */
function dockerRequest(method: string, requestPath: string, body?: unknown): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const request = http.request(
      { socketPath, method, path: requestPath, headers: payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {} },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) }));
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

/** The bare minimum through the API: create the exec, start it attached and read to the end, read the exit code. */
async function bareApiExec(containerId: string): Promise<number> {
  const created = await dockerRequest('POST', `/containers/${containerId}/exec`, { Cmd: ['true'], AttachStdout: true, AttachStderr: true });
  const { Id } = JSON.parse(created.body.toString()) as { Id: string };
  await dockerRequest('POST', `/exec/${Id}/start`, { Detach: false, Tty: false });
  const inspected = JSON.parse((await dockerRequest('GET', `/exec/${Id}/json`)).body.toString()) as { ExitCode: number };
  return inspected.ExitCode;
}

async function main(): Promise<void> {
  const sandbox = await createDockerSandbox({ labels: { 'codemonkeys.bench': 'sandbox-reuse' } });
  const repositoryFiles = { ...baseFiles, ...fillerFiles(fillerCount) };
  const { repository, diffs } = makeFixture(repositoryFiles);
  try {
    const dockerfile = `FROM ${baseImage}\nCOPY repository/ /testbed/\nWORKDIR /testbed\nRUN git -c init.defaultBranch=main init -q && git add -A && git -c user.name=bench -c user.email=bench@localhost commit -q -m base\n`;
    const files = Object.entries(repositoryFiles).map(([name, content]) => ({ path: `repository/${name}`, content }));
    const instanceImage = (await sandbox.images.ensure({ tag: `codemonkeys-bench/calc:instance-${fillerCount}`, dockerfile, files })).tag;
    const repositoryBytes = Object.values(repositoryFiles).reduce((total, content) => total + Buffer.byteLength(content), 0);

    const timings = new Map<Mode, number[]>(modes.map((mode) => [mode, []]));
    const overheads = new Map<Mode, number[]>(modes.map((mode) => [mode, []]));
    let reference: string[] | undefined;
    await runRound(0, sandbox, instanceImage, repository, diffs.slice(0, 1)); // warm-up
    for (let round = 0; round < rounds; round += 1) {
      for (const [mode, { ms, evaluationMs, outcomes }] of await runRound(round, sandbox, instanceImage, repository, diffs)) {
        timings.get(mode)!.push(ms);
        overheads.get(mode)!.push(ms - evaluationMs);
        reference ??= outcomes;
        if (JSON.stringify(outcomes) !== JSON.stringify(reference)) {
          throw new Error(`${mode} disagrees with the other modes:\n${outcomes.join('\n')}\nvs\n${reference.join('\n')}`);
        }
      }
    }

    // Exec overhead, interleaved in one container.
    const session = await sandbox.open({ image: baseImage, workdir: '/testbed' });
    const execTimes = { ours: [] as number[], api: [] as number[], cli: [] as number[] };
    try {
      for (let iteration = 0; iteration < execIterations + 5; iteration += 1) {
        let started = performance.now();
        const ours = await session.exec(['true']);
        const oursMs = performance.now() - started;
        started = performance.now();
        const api = await bareApiExec(session.id);
        const apiMs = performance.now() - started;
        started = performance.now();
        const cli = spawnSync('docker', ['exec', session.id, 'true']);
        const cliMs = performance.now() - started;
        if (ours.exitCode !== 0 || api !== 0 || cli.status !== 0) throw new Error('an exec of `true` failed');
        if (iteration < 5) continue; // warm-up
        execTimes.ours.push(oursMs);
        execTimes.api.push(apiMs);
        execTimes.cli.push(cliMs);
      }
    } finally {
      await session.close();
    }

    console.log(
      `\n## Evaluating ${diffs.length} candidate patches of one instance: apply + pytest (median of ${rounds} rounds, modes interleaved candidate by candidate)\n` +
        `Repository: ${Object.keys(repositoryFiles).length} files, ${(repositoryBytes / 1024 ** 2).toFixed(1)} MiB; ${os.cpus().length} CPUs.\n`,
    );
    console.log('| mode | total | per candidate | speed-up of reuse | sandbox overhead per candidate | overhead ratio |');
    console.log('| --- | --- | --- | --- | --- | --- |');
    const total = (mode: Mode): number => median(timings.get(mode)!);
    const overhead = (mode: Mode): number => median(overheads.get(mode)!) / diffs.length;
    const baselineOf: Partial<Record<Mode, Mode>> = {
      'reused container, repository in the image': 'fresh container per candidate, repository in the image',
      'reused container, repository streamed in once': 'fresh container per candidate, repository streamed in',
    };
    for (const mode of modes) {
      const baseline = baselineOf[mode];
      const speedUp = baseline ? `${(total(baseline) / total(mode)).toFixed(2)}x` : 'baseline';
      const overheadRatio = baseline ? `${(overhead(baseline) / overhead(mode)).toFixed(2)}x` : 'baseline';
      console.log(`| ${mode} | ${milliseconds(total(mode))} | ${milliseconds(total(mode) / diffs.length)} | ${speedUp} | ${milliseconds(overhead(mode))} | ${overheadRatio} |`);
    }
    console.log(
      "\nSandbox overhead: everything but putting the diff in, applying it and running pytest (container create/start/remove, or reset; the pools' one-time prepare and snapshot; streaming the repository).",
    );
    console.log('\nOutcomes (identical in every mode and round):');
    reference!.forEach((outcome, index) => console.log(`- ${candidates[index]!.name}: ${outcome}`));

    const ours = median(execTimes.ours);
    const api = median(execTimes.api);
    const cli = median(execTimes.cli);
    console.log(`\n## Exec overhead: \`true\` in a running container (median of ${execIterations}, interleaved)\n`);
    console.log('| exec | median | ratio to bare API |');
    console.log('| --- | --- | --- |');
    console.log(`| DockerSandboxSession.exec (timeout wrapper, demux, caps) | ${milliseconds(ours)} | ${(ours / api).toFixed(2)}x |`);
    console.log(`| bare Docker API (create, start, inspect) | ${milliseconds(api)} | 1.00x |`);
    console.log(`| docker exec CLI | ${milliseconds(cli)} | ${(cli / api).toFixed(2)}x |`);
    console.log(`\nexec overhead over the bare API: ${milliseconds(ours - api)} (${(ours / api).toFixed(2)}x); ours vs the CLI: ${(ours / cli).toFixed(2)}x`);
  } finally {
    await sandbox.close();
    fs.rmSync(repository, { recursive: true, force: true });
  }
}

await main();
