// Benchmarks of @codemonkeys/swebench. Each measurement runs beside its baseline in the same process
// and reports the ratio. Build first (`npx tsup`); run with `npm run bench`.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import lockfile from 'proper-lockfile';
import { Language, Parser } from 'web-tree-sitter';
import { createRepositoryCache, openRepositoryWorkspace, outlinePython } from '../dist/index.js';

const require = createRequire(import.meta.url);
const time = async (run) => {
  const start = performance.now();
  const result = await run();
  return { ms: performance.now() - start, result };
};
const report = (name, measured, baseline, unit) =>
  console.log(`${name}: ${measured.ms.toFixed(0)} ms vs baseline ${baseline.ms.toFixed(0)} ms → ${(baseline.ms / measured.ms).toFixed(1)}× faster (${unit})`);

// 1. Outline many real Python files with the shared parser, against a fresh parser per file.
const stdlib = fs.existsSync('/usr/lib/python3.11') ? '/usr/lib/python3.11' : path.dirname(require.resolve('web-tree-sitter'));
const pythonFiles = execFileSync('find', [stdlib, '-name', '*.py', '-size', '-200k'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).slice(0, 1500);
const sources = pythonFiles.map((file) => fs.readFileSync(file, 'utf8'));
await outlinePython('x = 1\n'); // load the grammar once, outside the timing
const shared = await time(async () => {
  let entries = 0;
  for (const source of sources) entries += (await outlinePython(source)).length;
  return entries;
});
const grammar = require.resolve('tree-sitter-python/tree-sitter-python.wasm');
const subset = sources.slice(0, 150);
const fresh = await time(async () => {
  for (const source of subset) {
    const language = await Language.load(grammar);
    const parser = new Parser();
    parser.setLanguage(language);
    parser.parse(source)?.delete();
    parser.delete();
  }
});
const sharedSubset = await time(async () => {
  for (const source of subset) await outlinePython(source);
});
console.log(`outline: ${sources.length} files, ${shared.result} definitions in ${shared.ms.toFixed(0)} ms (${(shared.ms / sources.length).toFixed(2)} ms per file)`);
report(`outline with the shared parser (${subset.length} files)`, sharedSubset, fresh, 'baseline: grammar loaded and parser created per file');

// 2. Read every file of a commit through the cat-file reader, against one `git show` per file.
const repository = execFileSync('git', ['rev-parse', '--show-toplevel'], { encoding: 'utf8' }).trim();
const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repository, encoding: 'utf8' }).trim();
const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'swebench-bench-'));
const cache = createRepositoryCache({ directory, repositorySources: { 'codemonkeys/main': repository } });
try {
  const workspace = await openRepositoryWorkspace({ instanceId: 'bench', repo: 'codemonkeys/main', commit, cache });
  const files = (await workspace.listFiles()).filter((file) => !file.endsWith('package-lock.json')).slice(0, 400);
  await workspace.readFile(files[0]);
  const batched = await time(async () => {
    for (const file of files) await workspace.readFile(file);
  });
  const mirror = await cache.mirror('codemonkeys/main');
  const spawned = await time(async () => {
    for (const file of files) execFileSync('git', ['--git-dir', mirror, 'show', `${commit}:${file}`], { maxBuffer: 64 * 1024 * 1024 });
  });
  report(`read ${files.length} files of a commit`, batched, spawned, 'baseline: one `git show` process per file');
  const checkout = await time(async () => {
    const lease = await cache.checkout('codemonkeys/main', commit);
    await lease.release();
  });
  const reuse = await time(async () => {
    const lease = await cache.checkout('codemonkeys/main', commit);
    await lease.release();
  });
  report('writable copy from the worktree pool', reuse, checkout, 'baseline: first checkout, `git worktree add`');
} finally {
  await cache.close();
  fs.rmSync(directory, { recursive: true, force: true });
}

// 3. The cost of the cross-process mirror lock. A worktree acquire that adds a worktree (the pool is off
// here) runs `git worktree add` under the in-process queue and the lock file beside the mirror; the
// baseline runs the same git command on the same mirror with no lock at all. Acquire and release are
// timed apart and interleaved with the baseline, WORKTREE_ROUNDS (default 30) times; medians compared.
// Pooled acquires (the steady state of a run) take no file lock: they only check out another commit.
const median = (values) => {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const worktreeRounds = Number(process.env.WORKTREE_ROUNDS ?? 30);
const gitEnvironment = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', LC_ALL: 'C' };
const runGit = (args, cwd) => promisify(execFile)('git', args, { cwd, env: gitEnvironment, maxBuffer: 64 * 1024 * 1024 });
const lockDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'swebench-bench-lock-'));
const unpooled = createRepositoryCache({ directory: lockDirectory, repositorySources: { 'codemonkeys/main': repository }, maxIdleWorktrees: 0 });
try {
  const mirror = await unpooled.mirror('codemonkeys/main');
  const unlockedRoot = path.join(lockDirectory, 'unlocked');
  fs.mkdirSync(unlockedRoot);
  const samples = { lockedAcquire: [], lockedRelease: [], bareAcquire: [], bareRelease: [], lockAlone: [] };
  for (let round = -2; round < worktreeRounds; round++) {
    // Two warm-up rounds fill the file cache for both sides.
    const acquired = await time(() => unpooled.checkout('codemonkeys/main', commit));
    const released = await time(() => acquired.result.release());
    const location = path.join(unlockedRoot, String(round + 2));
    const bareAcquired = await time(() => runGit(['--git-dir', mirror, 'worktree', 'add', '--quiet', '--detach', location, commit], mirror));
    const bareReleased = await time(() => runGit(['--git-dir', mirror, 'worktree', 'remove', '--force', location], mirror));
    // The lock file alone, with the options the cache uses: mkdir, mtime probe, rmdir.
    const lockAlone = await time(async () => {
      const release = await lockfile.lock(mirror, { lockfilePath: `${mirror}.lock`, realpath: false, stale: 20_000 });
      await release();
    });
    if (round < 0) continue;
    samples.lockedAcquire.push(acquired.ms);
    samples.lockedRelease.push(released.ms);
    samples.bareAcquire.push(bareAcquired.ms);
    samples.bareRelease.push(bareReleased.ms);
    samples.lockAlone.push(lockAlone.ms);
  }
  const files = execFileSync('git', ['ls-tree', '-r', '--name-only', commit], { cwd: repository, encoding: 'utf8' }).trim().split('\n').length;
  const ratio = (measured, baseline) => `${(median(measured) / median(baseline)).toFixed(2)}×`;
  console.log(
    `worktree acquire with the cross-process lock (${files}-file checkout, ${worktreeRounds} rounds, medians): ` +
      `${median(samples.lockedAcquire).toFixed(1)} ms vs ${median(samples.bareAcquire).toFixed(1)} ms for \`git worktree add\` without a lock → ${ratio(samples.lockedAcquire, samples.bareAcquire)} the baseline`,
  );
  console.log(
    `worktree release (removal) with the lock: ${median(samples.lockedRelease).toFixed(1)} ms vs ${median(samples.bareRelease).toFixed(1)} ms for \`git worktree remove\` → ` +
      `${ratio(samples.lockedRelease, samples.bareRelease)}; the lock file alone (take + release): ${median(samples.lockAlone).toFixed(2)} ms`,
  );
} finally {
  await unpooled.close();
  fs.rmSync(lockDirectory, { recursive: true, force: true });
}
