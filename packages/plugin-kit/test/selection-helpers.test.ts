import { describe, expect, it } from 'vitest';
import { applyDiffInSession, diffHeaderPaths, testVotesOf, type TestMatrix, type TestMatrixCell } from '../src/index';
import { type SandboxSession } from '@codemonkeys/protocol';

/** A session that fails the test if anything runs: refusals must happen before any command. */
const untouchable = {
  exec: () => {
    throw new Error('nothing may run for a refused diff');
  },
} as unknown as SandboxSession;

describe('diffHeaderPaths', () => {
  it('reads git headers, ---/+++ lines, renames and quoted paths', () => {
    const diff = [
      'diff --git a/src/a.py b/src/a.py',
      '--- a/src/a.py',
      '+++ b/src/a.py',
      '@@ -1 +1 @@',
      '--- /etc/removed-sql-comment',
      ' context',
      'diff --git "a/with space.py" "b/with space.py"',
      'rename from old.py',
      'rename to new.py',
      '--- /dev/null',
      '+++ b/added.py\t2024-01-01',
    ].join('\n');
    const paths = diffHeaderPaths(diff);
    expect(paths).toEqual(expect.arrayContaining(['src/a.py', 'with space.py', 'old.py', 'new.py', 'added.py']));
    expect(paths).not.toContain('/dev/null');
    expect(paths).not.toContain('/etc/removed-sql-comment');
  });
});

describe('applyDiffInSession', () => {
  it('refuses paths that leave the repository before running anything', async () => {
    for (const path of ['../outside.py', '/etc/passwd', '.git/config']) {
      const diff = `--- a/${path}\n+++ b/${path}\n@@ -1 +1 @@\n-a\n+b\n`.replace('a//', '/').replace('b//', '/');
      const application = await applyDiffInSession(untouchable, diff);
      expect(application, path).toMatchObject({ applied: false, refused: true });
    }
  });

  it('decodes C-quoted header paths before checking them (octal escapes are what git and patch apply to)', async () => {
    expect(diffHeaderPaths('diff --git "a/caf\\303\\251 menu.py" "b/caf\\303\\251 menu.py"\n')).toEqual(['café menu.py', 'café menu.py']);
    const escaping = '--- "a/\\056\\056/outside.py"\n+++ "b/\\056\\056/outside.py"\n@@ -1 +1 @@\n-a\n+b\n';
    expect(diffHeaderPaths(escaping)).toEqual(['../outside.py', '../outside.py']);
    expect(await applyDiffInSession(untouchable, escaping)).toMatchObject({ applied: false, refused: true });
  });

  it('refuses text without file headers and applies an empty diff trivially', async () => {
    expect(await applyDiffInSession(untouchable, 'just some prose\n')).toMatchObject({ applied: false, refused: true });
    expect(await applyDiffInSession(untouchable, '  \n')).toEqual({ applied: true, method: 'empty', output: '' });
  });
});

describe('testVotesOf', () => {
  const cell = (outcome: TestMatrixCell['outcome']): TestMatrixCell => ({ outcome, exitCode: outcome === 'fixed' ? 0 : 2, durationMs: 1, output: '', cached: false });
  it('counts, per candidate, the tests that say fixed', () => {
    const matrix: TestMatrix = {
      tests: [0, 1, 2].map((index) => ({ key: String(index), path: `t${index}.py`, command: 'python3 t.py', content: '' })),
      cells: [
        [cell('fixed'), cell('not-fixed'), cell('fixed')],
        [cell('fixed'), cell('error'), cell('timeout')],
        [cell('not-applied'), cell('not-fixed'), cell('fixed')],
      ],
    };
    expect(testVotesOf(matrix)).toEqual([2, 0, 2]);
    expect(testVotesOf({ tests: [], cells: [] }, 3)).toEqual([0, 0, 0]);
  });
});
