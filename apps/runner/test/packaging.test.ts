import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const workspaceRoot = path.resolve(import.meta.dirname, '../../..');
const temporary = fs.mkdtempSync(path.join(os.tmpdir(), 'codemonkeys-pack-'));
afterAll(() => fs.rmSync(temporary, { recursive: true, force: true }));

function pack(packageDirectory: string): string {
  const output = execFileSync('npm', ['pack', '--pack-destination', temporary, '--json'], { cwd: path.join(workspaceRoot, packageDirectory), encoding: 'utf8' });
  const [result] = JSON.parse(output) as Array<{ filename: string; files: Array<{ path: string }> }>;
  expect(result!.files.map((file) => file.path)).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts']));
  expect(result!.files.some((file) => file.path.startsWith('src/') || file.path.startsWith('test/'))).toBe(false);
  return path.join(temporary, result!.filename);
}

describe('published packages', () => {
  it('install from their tarballs into a project outside the workspace and import there', () => {
    const protocol = pack('packages/protocol');
    const pluginKit = pack('packages/plugin-kit');
    const plugin = pack('packages/selector-vote');
    const project = path.join(temporary, 'project');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'user-project', private: true, type: 'module' }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', protocol, pluginKit, plugin, 'zod@^4.1.0'], { cwd: project, stdio: 'pipe' });
    fs.writeFileSync(
      path.join(project, 'check.mjs'),
      `import { definePlugin, CodePointerSchema } from '@codemonkeys/protocol';
import * as plugin from '@codemonkeys/selector-vote';
const pointer = CodePointerSchema.safeParse({ path: 'a.py', startLine: 3, endLine: 1 });
console.log(JSON.stringify({ definePlugin: typeof definePlugin, testkit: import.meta.resolve('@codemonkeys/protocol/testkit').endsWith('dist/testkit.js'), pointerRejected: !pointer.success, plugin: plugin.packageMeta ?? plugin.default?.meta }));
`,
    );
    const output = JSON.parse(execFileSync('node', ['check.mjs'], { cwd: project, encoding: 'utf8' })) as Record<string, unknown>;
    expect(output).toEqual({
      definePlugin: 'function',
      testkit: true,
      pointerRejected: true,
      plugin: { name: '@codemonkeys/selector-vote', version: '0.1.0' },
    });
    expect(fs.realpathSync(path.join(project, 'node_modules/@codemonkeys/protocol'))).not.toContain(workspaceRoot);
  }, 180_000);

  it('the packed runner, installed with one plugin in a project, resolves that plugin by its short name', () => {
    const workspaceDependencies = [
      'packages/protocol',
      'packages/plugin-kit',
      'packages/llm',
      'packages/swebench',
      'packages/rewards',
      'packages/sandbox-docker',
      'packages/storage-sqlite',
      'packages/storage-firestore',
    ];
    const tarballs = [...workspaceDependencies, 'apps/runner', 'packages/selector-vote'].map(pack);
    const project = path.join(temporary, 'runner-project');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'ablation-project', private: true, type: 'module' }));
    // Install scripts are skipped: better-sqlite3 would compile its binding from source (no compiler is
    // needed for what is checked here: resolving, importing and describing plugins).
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', ...tarballs], { cwd: project, stdio: 'pipe' });

    // Only the plugin the project installed: the runner declares the others as optional peers.
    expect(fs.existsSync(path.join(project, 'node_modules/@codemonkeys/selector-rank'))).toBe(false);
    const listings = JSON.parse(execFileSync(path.join(project, 'node_modules/.bin/codemonkeys'), ['plugins', '--json'], { cwd: project, encoding: 'utf8' })) as Array<
      Record<string, unknown>
    >;
    expect(listings).toEqual([
      expect.objectContaining({ packageName: '@codemonkeys/selector-vote', shortName: 'vote', version: '0.1.0', kind: 'selector', specificationVersion: 'v1' }),
    ]);

    fs.writeFileSync(
      path.join(project, 'resolve.mjs'),
      `import { createPluginInstance, UnsupportedCapabilityError } from '@codemonkeys/protocol';
import { loadPlugin } from '@codemonkeys/runner';
const vote = await loadPlugin('vote', 'selector', { cwd: process.cwd() });
let missing;
try { await loadPlugin('rank', 'selector', { cwd: process.cwd() }); } catch (error) { missing = { name: error.name, message: error.message }; }
// The v1 plugin from its tarball, created by the v1.1 host and asked to choose (no workspace, no sandbox).
const refuse = (capability) => () => { throw new UnsupportedCapabilityError({ capability, provider: 'this check' }); };
const context = {
  specificationVersion: 'v1.1', task: refuse('task'), workspace: refuse('workspace'), model: () => ({}), sandbox: () => undefined,
  cache: { get: async () => undefined, put: async () => {} }, checkpoint: () => ({ get: async () => undefined, put: async () => {} }),
  logger: { debug() {}, info() {}, warn() {}, error() {} }, signal: new AbortController().signal, hypers: {},
};
const selector = await createPluginInstance(vote.definition, { checkApplies: false, testVote: false }, context, { experimentId: 'e', runId: 'r' });
const patch = (body) => ({ instanceId: 'i', diff: 'diff --git a/a.py b/a.py\\n--- a/a.py\\n+++ b/a.py\\n@@ -1 +1 @@\\n-x = 1\\n+' + body + '\\n', metadata: {} });
const selection = await selector.run([patch('x = 2'), patch('x = 3'), patch('x = 3')], 'i');
console.log(JSON.stringify({ name: vote.definition.meta.name, kind: vote.definition.kind, source: vote.source, entry: vote.entry, missing, selector: selector.specificationVersion, chosen: selection.index, diff: selection.patch.diff.includes('x = 3') }));
`,
    );
    const resolved = JSON.parse(execFileSync('node', ['resolve.mjs'], { cwd: project, encoding: 'utf8' })) as {
      name: string;
      kind: string;
      source: string;
      entry: string;
      missing: { name: string; message: string };
      chosen: number;
    };
    // The v1 plugin runs unchanged on the v1.1 host: adapted to a v1.1 selector that says which candidate it chose.
    expect(resolved).toMatchObject({ name: '@codemonkeys/selector-vote', kind: 'selector', source: 'project', selector: 'v1.1', diff: true });
    expect([1, 2]).toContain(resolved.chosen);
    expect(fs.realpathSync(resolved.entry).startsWith(fs.realpathSync(path.join(project, 'node_modules/@codemonkeys/selector-vote')))).toBe(true);
    expect(resolved.missing.name).toBe('NoSuchPluginError');
    expect(resolved.missing.message).toContain('@codemonkeys/selector-rank');
    expect(resolved.missing.message).toContain('@codemonkeys/selector-vote (short name: vote)');
  }, 300_000);
});
