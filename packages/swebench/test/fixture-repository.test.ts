import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWhenAvailable } from '@codemonkeys/protocol/testkit';
import { applyPatch, gradeTests, parseTestLog, resolutionStatus, testCommandFor, testTargetsOf } from '../src/index';
import { createFixtureRepository, fixtureEnvironmentSpec, fixtureInstanceNames, unifiedDiffOf, type FixtureRepository } from '../src/testing/index';
import { runGit } from '../src/git/run-git';

let fixture: FixtureRepository;
beforeAll(async () => {
  fixture = await createFixtureRepository({ instances: [...fixtureInstanceNames] });
});
afterAll(async () => {
  await fixture.cleanup();
});

describe('createFixtureRepository', () => {
  it('builds three instances at three commits of one repository, with deterministic hashes', async () => {
    const again = await createFixtureRepository({ instances: ['wrap-hang', 'word-count'] });
    try {
      expect(again.instances.map((instance) => instance.instanceId)).toEqual(['codemonkeys-fixtures__textkit-3', 'codemonkeys-fixtures__textkit-1']);
      expect(again.instance('word-count').baseCommit).toBe(fixture.instance('word-count').baseCommit);
      expect(new Set(fixture.instances.map((instance) => instance.baseCommit)).size).toBe(3);
      expect(() => again.instance('sentence-stats')).toThrow(/not requested/);
    } finally {
      await again.cleanup();
    }
    const log = await runGit(['log', '--format=%s', 'main'], { cwd: fixture.root });
    expect(log.trim().split('\n')).toHaveLength(6);
  });

  it('reads files at a commit, and writes candidate diffs of edited files that apply to that commit', async () => {
    const words = fixture.instance('word-count');
    const base = await fixture.fileAt(words.baseCommit, 'textkit/words.py');
    expect(base).toContain('text.split(WORD_SEPARATOR)');
    await expect(fixture.fileAt(words.baseCommit, 'textkit/missing.py')).rejects.toThrow();
    const fixed = base.replace('text.split(WORD_SEPARATOR)', 'text.split()');
    const diff = await unifiedDiffOf('textkit/words.py', base, fixed, { context: 1 });
    expect(diff).toMatch(/^diff --git a\/textkit\/words\.py b\/textkit\/words\.py\n/);
    expect(diff.split('\n').filter((line) => /^[ ]/.test(line))).toHaveLength(2);
    const work = await fs.mkdtemp(path.join(os.tmpdir(), 'fixture-diff-'));
    try {
      await runGit(['clone', '-q', fixture.root, work], { cwd: os.tmpdir() });
      await runGit(['checkout', '-q', '--detach', words.baseCommit], { cwd: work });
      await applyPatch(work, diff);
      expect(await fs.readFile(path.join(work, 'textkit/words.py'), 'utf8')).toBe(fixed);
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
    expect(await unifiedDiffOf('a.py', 'same\n', 'same\n')).toBe('');
  });

  it('has SWE-bench-shaped instances whose problem statements do not give the fix away', () => {
    for (const instance of fixture.instances) {
      expect(instance.patch).toMatch(/^diff --git a\//);
      expect(instance.testPatch).toMatch(/^diff --git a\/tests\//);
      expect(testTargetsOf(instance.testPatch).every((target) => target.startsWith('tests/'))).toBe(true);
      expect(instance.failToPass.length).toBeGreaterThan(0);
      expect(instance.passToPass.length).toBeGreaterThan(0);
      const removed = instance.patch
        .split('\n')
        .filter((line) => line.startsWith('-') && !line.startsWith('---'))
        .map((line) => line.slice(1).trim());
      for (const line of removed.filter((text) => text.length > 8)) expect(instance.problemStatement).not.toContain(line);
    }
    expect(fixture.instance('sentence-stats').patch.match(/^diff --git/gm)).toHaveLength(2);
    expect(testCommandFor(fixtureEnvironmentSpec(), fixture.instance('word-count'))).toBe('python3 -m pytest -rA -p no:cacheprovider tests/test_words.py');
  });

  const pytest = spawnSync('python3', ['-m', 'pytest', '--version'], { encoding: 'utf8' });
  describeWhenAvailable(
    'candidate verdicts (pytest on this machine, our own fixture code)',
    { available: pytest.status === 0, reason: 'python3 -m pytest is not installed' },
    () => {
      it('gives every candidate patch the verdict it declares', async () => {
        const work = await fs.mkdtemp(path.join(os.tmpdir(), 'fixture-verdicts-'));
        try {
          await runGit(['clone', '-q', fixture.root, work], { cwd: os.tmpdir() });
          for (const instance of fixture.instances) {
            for (const candidate of fixture.candidates(instance.instanceId)) {
              await runGit(['checkout', '-q', '-f', '--detach', instance.baseCommit], { cwd: work });
              await runGit(['clean', '-fdxq'], { cwd: work });
              const applied = await applyPatch(work, candidate.diff).then(
                () => true,
                () => false,
              );
              expect(applied, `${instance.instanceId} ${candidate.name} applies`).toBe(candidate.expected.applies);
              if (!applied) continue;
              await applyPatch(work, instance.testPatch);
              // Runners such as Nx set FORCE_COLOR, which makes pytest colour its summary; SWE-bench's
              // parser (like ours) reads plain lines, as a container's clean environment produces them.
              const { FORCE_COLOR: _forceColor, PY_COLORS: _pyColors, ...environment } = process.env;
              // The time limit never decides a verdict: a candidate declared to hang loops for ever, so it runs
              // past any limit however fast the machine is; every other candidate gets a limit no loaded machine
              // reaches (a safety net), so a slow run is never taken for a hang.
              const limitMs = candidate.expected.hangs ? 5_000 : 600_000;
              const run = spawnSync('python3', ['-m', 'pytest', '-rA', '-p', 'no:cacheprovider', ...testTargetsOf(instance.testPatch)], {
                cwd: work,
                encoding: 'utf8',
                timeout: limitMs,
                killSignal: 'SIGKILL',
                env: environment,
              });
              const hung = run.error !== undefined && (run.error as NodeJS.ErrnoException).code === 'ETIMEDOUT';
              expect(hung, `${instance.instanceId} ${candidate.name} hangs`).toBe(candidate.expected.hangs);
              if (hung) continue;
              const status = resolutionStatus(gradeTests(parseTestLog('pytest', run.stdout), instance));
              expect(status === 'RESOLVED_FULL', `${instance.instanceId} ${candidate.name} resolved`).toBe(candidate.expected.resolved);
              if (candidate.name === 'partial') expect(status).toBe('RESOLVED_PARTIAL');
            }
          }
        } finally {
          await fs.rm(work, { recursive: true, force: true });
        }
      }, 1_800_000);
    },
  );
});
