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
    const core = pack('packages/core');
    const plugin = pack('packages/selector-vote');
    const project = path.join(temporary, 'project');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'user-project', private: true, type: 'module' }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', core, plugin, 'zod@^4.1.0'], { cwd: project, stdio: 'pipe' });
    fs.writeFileSync(
      path.join(project, 'check.mjs'),
      `import { definePlugin, CodePointerSchema } from '@codemonkeys/core';
import * as plugin from '@codemonkeys/selector-vote';
const pointer = CodePointerSchema.safeParse({ path: 'a.py', startLine: 3, endLine: 1 });
console.log(JSON.stringify({ definePlugin: typeof definePlugin, testkit: import.meta.resolve('@codemonkeys/core/testkit').endsWith('dist/testkit.js'), pointerRejected: !pointer.success, plugin: plugin.packageMeta ?? plugin.default?.meta }));
`,
    );
    const output = JSON.parse(execFileSync('node', ['check.mjs'], { cwd: project, encoding: 'utf8' })) as Record<string, unknown>;
    expect(output).toEqual({
      definePlugin: 'function',
      testkit: true,
      pointerRejected: true,
      plugin: { name: '@codemonkeys/selector-vote', version: '0.1.0' },
    });
    expect(fs.realpathSync(path.join(project, 'node_modules/@codemonkeys/core'))).not.toContain(workspaceRoot);
  }, 180_000);
});
