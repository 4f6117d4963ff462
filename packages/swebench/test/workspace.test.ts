import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError, PathOutsideRepositoryError, UnsupportedCapabilityError } from '@codemonkeys/protocol';
import { createRepositoryCache, createWorkspaceProvider, parseUnifiedDiff, type RepositoryCache } from '../src/index';
import { createFixtureRepository, type FixtureRepository } from '../src/testing/index';
import { runGit } from '../src/git/run-git';

let fixture: FixtureRepository;
let directory: string;
let cache: RepositoryCache;
beforeAll(async () => {
  fixture = await createFixtureRepository({ instances: ['word-count', 'sentence-stats'] });
  directory = await fs.mkdtemp(path.join(os.tmpdir(), 'swebench-cache-'));
  cache = createRepositoryCache({ directory, repositorySources: fixture.repositorySources, maxIdleWorktrees: 1 });
});
afterAll(async () => {
  await cache.close();
  await fixture.cleanup();
  await fs.rm(directory, { recursive: true, force: true });
});
const rejectsWith = (predicate: (error: unknown) => boolean) => (error: unknown) => predicate(error);

describe('repository workspaces', () => {
  it('lists and reads the files of the base commit, without a checkout', async () => {
    const provider = createWorkspaceProvider({ instances: fixture.instances, cache });
    const first = await provider.workspace(fixture.instances[0]!.instanceId);
    const second = await provider.workspace(fixture.instances[1]!.instanceId);
    expect(await first.listFiles()).not.toContain('textkit/stats.py');
    expect(await second.listFiles()).toContain('textkit/stats.py');
    expect(await first.readFile('textkit/words.py')).toContain('text.split(WORD_SEPARATOR)');
    expect(await second.readFile('./textkit/../textkit/words.py')).toContain('text.split()');
    expect(await first.fileExists('textkit/stats.py')).toBe(false);
    await expect(first.readFile('textkit/missing.py')).rejects.toSatisfy(rejectsWith((error) => NotFoundError.isInstance(error)));
    await expect(first.readFile('../../etc/passwd')).rejects.toSatisfy(rejectsWith((error) => PathOutsideRepositoryError.isInstance(error)));
    await expect(first.readFile('.git/config')).rejects.toSatisfy(rejectsWith((error) => PathOutsideRepositoryError.isInstance(error)));
    expect(await provider.workspace(fixture.instances[0]!.instanceId)).toBe(first);
    await expect(provider.workspace('nope')).rejects.toThrow(/No instance "nope"/);
    // One mirror serves both instances.
    expect(await fs.readdir(path.join(directory, 'mirrors'))).toEqual(['codemonkeys-fixtures__textkit.git']);
  });

  it('outlines and skeletons Python files with tree-sitter; other files are unsupported', async () => {
    const provider = createWorkspaceProvider({ instances: fixture.instances, cache });
    const workspace = await provider.workspace(fixture.instances[0]!.instanceId);
    expect(workspace.capabilities).toEqual({ outline: true, writableCopy: true });
    expect(await workspace.outline('textkit/punctuation.py')).toEqual([
      { kind: 'function', name: 'strip_punctuation', qualifiedName: 'strip_punctuation', startLine: 8, endLine: 10, signature: 'def strip_punctuation(text):' },
      { kind: 'class', name: 'PunctuationCounter', qualifiedName: 'PunctuationCounter', startLine: 13, endLine: 24, signature: 'class PunctuationCounter:' },
      { kind: 'method', name: '__init__', qualifiedName: 'PunctuationCounter.__init__', startLine: 16, endLine: 17, signature: 'def __init__(self):' },
      { kind: 'method', name: 'add', qualifiedName: 'PunctuationCounter.add', startLine: 19, endLine: 24, signature: 'def add(self, text):' },
    ]);
    const skeleton = await workspace.skeletonWithLines('textkit/punctuation.py');
    expect(skeleton.text).toBe(
      '"""Removing punctuation."""\nimport string\nPUNCTUATION = set(string.punctuation)\ndef strip_punctuation(text):\n' +
        '    """Return ``text`` without ASCII punctuation characters."""\n    ...\nclass PunctuationCounter:\n' +
        '    """Counts punctuation characters, by character."""\n    def __init__(self):\n        ...\n    def add(self, text):\n' +
        '        """Count the punctuation of ``text``."""\n        ...\n',
    );
    const source = (await workspace.readFile('textkit/punctuation.py')).split('\n');
    skeleton.text
      .split('\n')
      .slice(0, -1)
      .forEach((line, index) => {
        const sourceLine = skeleton.sourceLines[index]!;
        if (sourceLine > 0) expect(source[sourceLine - 1]).toBe(line);
      });
    expect(await workspace.skeleton('textkit/punctuation.py')).toBe(skeleton.text);
    await expect(workspace.outline('README.md')).rejects.toSatisfy(rejectsWith((error) => UnsupportedCapabilityError.isInstance(error)));
  });

  it('gives writable copies whose diff is a git diff against the base commit, and resets them', async () => {
    const instance = fixture.instances[0]!;
    const provider = createWorkspaceProvider({ instances: fixture.instances, cache });
    const workspace = await provider.workspace(instance.instanceId);
    const copy = await workspace.createWritableCopy();
    expect(await copy.diff()).toBe('');
    await copy.applyPatch(instance.patch);
    await copy.writeFile('textkit/extra/new_module.py', 'VALUE = 1\n');
    await copy.deleteFile('README.md');
    const diff = await copy.diff();
    expect(parseUnifiedDiff(diff).map((file) => [file.path, file.status])).toEqual([
      ['README.md', 'deleted'],
      ['textkit/extra/new_module.py', 'added'],
      ['textkit/words.py', 'modified'],
    ]);
    expect(await copy.readFile('textkit/words.py')).toContain('text.split()');
    expect(await copy.listFiles()).toContain('textkit/extra/new_module.py');
    expect(await copy.listFiles()).not.toContain('README.md');
    // The read-only view did not change.
    expect(await workspace.readFile('textkit/words.py')).toContain('WORD_SEPARATOR');
    await expect(copy.writeFile('../outside.txt', 'x')).rejects.toSatisfy(rejectsWith((error) => PathOutsideRepositoryError.isInstance(error)));
    await expect(copy.applyPatch('diff --git a/../x b/../x\nnew file mode 100644\n--- /dev/null\n+++ b/../x\n@@ -0,0 +1 @@\n+x\n')).rejects.toSatisfy(
      rejectsWith((error) => PathOutsideRepositoryError.isInstance(error)),
    );
    await copy.reset();
    expect(await copy.diff()).toBe('');
    const root = copy.root;
    await copy.dispose();
    await expect(copy.readFile('README.md')).rejects.toThrow(/disposed/);
    // The idle worktree is reused for the next copy, cleaned and moved to the other commit.
    const next = await (await provider.workspace(fixture.instances[1]!.instanceId)).createWritableCopy();
    expect(next.root).toBe(root);
    expect(await next.fileExists('textkit/stats.py')).toBe(true);
    expect(await next.fileExists('textkit/extra/new_module.py')).toBe(false);
    await next.dispose();
  });

  it('refuses symlinks that lead out of the repository', async () => {
    const source = await fs.mkdtemp(path.join(os.tmpdir(), 'swebench-symlinks-'));
    const separate = createRepositoryCache({ directory: path.join(source, 'cache'), repositorySources: { 'owner/links': path.join(source, 'repo') } });
    try {
      const repo = path.join(source, 'repo');
      await fs.mkdir(path.join(repo, 'pkg'), { recursive: true });
      await runGit(['init', '-q', '-b', 'main'], { cwd: repo });
      await fs.writeFile(path.join(repo, 'pkg', 'real.py'), 'x = 1\n');
      await fs.symlink('real.py', path.join(repo, 'pkg', 'alias.py'));
      await fs.symlink('/etc', path.join(repo, 'etc'));
      await fs.symlink('pkg', path.join(repo, 'pkg-link'));
      await runGit(['add', '-A'], { cwd: repo });
      await runGit(['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-q', '-m', 'links'], { cwd: repo });
      const commit = (await runGit(['rev-parse', 'HEAD'], { cwd: repo })).trim();
      const provider = createWorkspaceProvider({
        cache: separate,
        instances: [
          {
            instanceId: 'links-1',
            repo: 'owner/links',
            baseCommit: commit,
            patch: '',
            testPatch: '',
            problemStatement: 'p',
            hintsText: '',
            failToPass: [],
            passToPass: [],
            extra: {},
          },
        ],
      });
      const workspace = await provider.workspace('links-1');
      expect(await workspace.listFiles()).toEqual(['pkg/real.py']);
      expect(await workspace.readFile('pkg/alias.py')).toBe('x = 1\n');
      expect(await workspace.readFile('pkg-link/real.py')).toBe('x = 1\n');
      await expect(workspace.readFile('etc/passwd')).rejects.toSatisfy(rejectsWith((error) => PathOutsideRepositoryError.isInstance(error)));
      const copy = await workspace.createWritableCopy();
      await expect(copy.readFile('etc/passwd')).rejects.toSatisfy(rejectsWith((error) => PathOutsideRepositoryError.isInstance(error)));
      await expect(copy.writeFile('etc/evil.conf', 'x')).rejects.toSatisfy(rejectsWith((error) => PathOutsideRepositoryError.isInstance(error)));
      await copy.dispose();
    } finally {
      await separate.close();
      await fs.rm(source, { recursive: true, force: true });
    }
  });

  it('archives every file of the commit as a checkout has it, whatever export-ignore and export-subst say', async () => {
    const source = await fs.mkdtemp(path.join(os.tmpdir(), 'swebench-attributes-'));
    const separate = createRepositoryCache({ directory: path.join(source, 'cache'), repositorySources: { 'owner/attributes': path.join(source, 'repo') } });
    try {
      const repo = path.join(source, 'repo');
      await fs.mkdir(path.join(repo, 'tests'), { recursive: true });
      await runGit(['init', '-q', '-b', 'main'], { cwd: repo });
      // What real projects do: keep tests and dot files out of release tarballs, stamp the version in.
      await fs.writeFile(path.join(repo, '.gitattributes'), 'tests/ export-ignore\n.gitattributes export-ignore\nversion.py export-subst\n');
      await fs.writeFile(path.join(repo, 'tests', 'test_core.py'), 'def test_core():\n    pass\n');
      await fs.writeFile(path.join(repo, 'version.py'), 'commit = "$Format:%H$"\n');
      await runGit(['add', '-A'], { cwd: repo });
      await runGit(['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-q', '-m', 'attributes'], { cwd: repo });
      const commit = (await runGit(['rev-parse', 'HEAD'], { cwd: repo })).trim();
      // git itself leaves them out: what the mirror's override must undo.
      expect(execFileSync('git', ['archive', '--format=tar', commit], { cwd: repo }).includes('test_core.py')).toBe(false);

      const chunks: Buffer[] = [];
      for await (const chunk of separate.archive('owner/attributes', commit, { prefix: 'testbed/' })) chunks.push(Buffer.from(chunk));
      const unpacked = path.join(source, 'unpacked');
      await fs.mkdir(unpacked);
      execFileSync('tar', ['-xf', '-', '-C', unpacked], { input: Buffer.concat(chunks) });
      expect((await fs.readdir(path.join(unpacked, 'testbed'), { recursive: true })).sort()).toEqual(['.gitattributes', 'tests', 'tests/test_core.py', 'version.py']);
      expect(await fs.readFile(path.join(unpacked, 'testbed', 'version.py'), 'utf8')).toBe('commit = "$Format:%H$"\n');
    } finally {
      await separate.close();
      await fs.rm(source, { recursive: true, force: true });
    }
  });

  it('streams a commit as a tar archive and cleans its worktrees on close', async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of cache.archive(fixture.repo, fixture.instances[1]!.baseCommit, { prefix: 'testbed/' })) chunks.push(Buffer.from(chunk));
    const tarFile = path.join(directory, 'commit.tar');
    await fs.writeFile(tarFile, Buffer.concat(chunks));
    const listing = execFileSync('tar', ['-tf', tarFile], { encoding: 'utf8' }).split('\n');
    expect(listing).toContain('testbed/textkit/stats.py');
    expect(listing).not.toContain('testbed/textkit/wrap.py');
    await expect(cache.resolveCommit(fixture.repo, 'f'.repeat(40))).rejects.toThrow(/is not in codemonkeys-fixtures\/textkit/);

    const separate = createRepositoryCache({ directory, repositorySources: fixture.repositorySources });
    const lease = await separate.checkout(fixture.repo, fixture.instances[0]!.baseCommit);
    expect(await fs.readFile(path.join(lease.root, 'textkit/words.py'), 'utf8')).toContain('WORD_SEPARATOR');
    await separate.close();
    await expect(fs.access(lease.root)).rejects.toThrow();
    expect((await runGit(['worktree', 'list', '--porcelain'], { cwd: path.join(directory, 'mirrors', 'codemonkeys-fixtures__textkit.git') })).includes(lease.root)).toBe(false);
  });
});
