import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvalidPluginError, NoSuchPluginError, UnsupportedSpecificationVersionError } from '@codemonkeys/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPlugin } from '../src/plugins/load-plugin';
import { listInstalledPlugins } from '../src/plugins/installed-plugins';
import { parsePluginName } from '../src/plugins/plugin-name';

const workspaceModules = path.resolve(import.meta.dirname, '../../../node_modules');
const project = fs.mkdtempSync(path.join(os.tmpdir(), 'codemonkeys-plugins-'));
afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

// A user project with its own plugin packages; the protocol and zod are linked from the workspace.
fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'research', private: true, type: 'module' }));
fs.mkdirSync(path.join(project, 'node_modules/@codemonkeys'), { recursive: true });
fs.symlinkSync(path.join(workspaceModules, '@codemonkeys/protocol'), path.join(project, 'node_modules/@codemonkeys/protocol'));
fs.symlinkSync(path.join(workspaceModules, 'zod'), path.join(project, 'node_modules/zod'));

function writePlugin(directory: string, manifest: Record<string, unknown>, body: string): void {
  fs.mkdirSync(directory, { recursive: true });
  fs.writeFileSync(
    path.join(directory, 'package.json'),
    JSON.stringify({ type: 'module', exports: { '.': { import: './index.js' } }, keywords: ['codemonkeys-plugin'], ...manifest }),
  );
  fs.writeFileSync(path.join(directory, 'index.js'), `import { definePlugin } from '@codemonkeys/protocol';\nimport { z } from 'zod';\n${body}`);
}

const localizerBody = (name: string, version: string, extra = '') => `export default definePlugin({
  meta: { name: '${name}', version: '${version}' }, kind: 'localizer', specificationVersion: 'v1',
  optionsSchema: z.object({ topK: z.number().default(3) }),
  create: () => ({ specificationVersion: 'v1', run: async () => ({ content: '', metadata: {} }) }), ${extra}
});\n`;

writePlugin(path.join(project, 'node_modules/@lab/localizer-grep'), { name: '@lab/localizer-grep', version: '2.0.0' }, localizerBody('@lab/localizer-grep', '2.0.0'));
writePlugin(
  path.join(project, 'node_modules/@codemonkeys/localizer-shadow'),
  { name: '@codemonkeys/localizer-shadow', version: '0.9.0' },
  localizerBody('@codemonkeys/localizer-shadow', '0.9.0'),
);
writePlugin(path.join(project, 'node_modules/@lab/liar'), { name: '@lab/liar', version: '1.0.0' }, localizerBody('@lab/liar', '0.0.1'));
writePlugin(
  path.join(project, 'node_modules/@lab/future'),
  { name: '@lab/future', version: '1.0.0' },
  localizerBody('@lab/future', '1.0.0').replace("specificationVersion: 'v1',\n  optionsSchema", "specificationVersion: 'v1',\n  optionsSchema"),
);
fs.writeFileSync(
  path.join(project, 'node_modules/@lab/future/index.js'),
  `export default { [Symbol.for('codemonkeys.plugin')]: true, meta: { name: '@lab/future', version: '1.0.0' }, kind: 'localizer', specificationVersion: 'v7', optionsSchema: { safeParse: () => ({ success: true }) }, create() {} };\n`,
);
writePlugin(path.join(project, 'my-selector'), { name: 'my-selector', version: '0.0.1' }, localizerBody('my-selector', '0.0.1').replace("kind: 'localizer'", "kind: 'selector'"));

describe('plugin names', () => {
  it('follow one rule: bare words are first-party short names, paths are paths, the rest are package names', () => {
    expect(parsePluginName('agentless', 'localizer', '/p')).toEqual({ type: 'package', name: 'agentless', packageName: '@codemonkeys/localizer-agentless' });
    expect(parsePluginName('vote', 'selector', '/p')).toMatchObject({ packageName: '@codemonkeys/selector-vote' });
    expect(parsePluginName('@lab/localizer-grep', 'localizer', '/p')).toMatchObject({ packageName: '@lab/localizer-grep' });
    expect(parsePluginName('./plugins/x.js', 'generator', '/p')).toEqual({ type: 'path', name: './plugins/x.js', location: '/p/plugins/x.js' });
  });
});

describe('loadPlugin', () => {
  it("resolves from the user's project before the runner's own dependencies", async () => {
    const grep = await loadPlugin('@lab/localizer-grep', 'localizer', { cwd: project });
    expect(grep).toMatchObject({ source: 'project', definition: { meta: { name: '@lab/localizer-grep', version: '2.0.0' }, kind: 'localizer' } });
    const shadow = await loadPlugin('shadow', 'localizer', { cwd: project });
    expect(shadow.source).toBe('project');
    expect(shadow.definition.meta.version).toBe('0.9.0');
  });

  it('falls back to the plugins installed with the runner', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'codemonkeys-empty-'));
    try {
      await expect(loadPlugin('nothing-here', 'localizer', { cwd: empty })).rejects.toThrow(NoSuchPluginError);
    } finally {
      fs.rmSync(empty, { recursive: true });
    }
  });

  it('loads a local path and checks the kind', async () => {
    const selector = await loadPlugin('./my-selector', 'selector', { cwd: project });
    expect(selector).toMatchObject({ source: 'path', definition: { kind: 'selector' } });
    await expect(loadPlugin('./my-selector', 'localizer', { cwd: project })).rejects.toThrow(/it is a selector, but a localizer was asked for/);
  });

  it('lists the installed plugins when a name is unknown', async () => {
    const attempt = loadPlugin('agentles', 'localizer', { cwd: project });
    await expect(attempt).rejects.toThrow(NoSuchPluginError);
    await expect(attempt).rejects.toThrow(/No localizer named "@codemonkeys\/localizer-agentles"/);
    await expect(attempt).rejects.toThrow(/ {2}- @codemonkeys\/localizer-shadow \(short name: shadow\)\n/);
    await expect(attempt).rejects.toThrow(/ {2}- @lab\/localizer-grep\n/);
  });

  it('refuses meta that differs from package.json and unsupported protocol versions', async () => {
    await expect(loadPlugin('@lab/liar', 'localizer', { cwd: project })).rejects.toThrow(InvalidPluginError);
    await expect(loadPlugin('@lab/liar', 'localizer', { cwd: project })).rejects.toThrow(/differs from its package.json/);
    await expect(loadPlugin('@lab/future', 'localizer', { cwd: project })).rejects.toThrow(UnsupportedSpecificationVersionError);
  });

  it('finds plugin packages by their keyword', () => {
    const names = listInstalledPlugins(project).map((plugin) => plugin.packageName);
    expect(names).toEqual(expect.arrayContaining(['@lab/localizer-grep', '@codemonkeys/localizer-shadow']));
    expect(names).not.toContain('zod');
  });
});
