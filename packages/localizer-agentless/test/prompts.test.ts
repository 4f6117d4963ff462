import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { expect, it } from 'vitest';
import { agentlessPlugin, packageMeta, promptVersion } from '../src/index';
import { editLevelPrompt } from '../src/prompts/edit-level-prompt';
import { elementLevelPrompt } from '../src/prompts/element-level-prompt';
import { fileLevelPrompt } from '../src/prompts/file-level-prompt';
import { irrelevantFoldersPrompt } from '../src/prompts/irrelevant-folders-prompt';
import { reaskPrompt } from '../src/prompts/reask-prompt';
import { systemPrompt } from '../src/prompts/system-prompt';

/** Every prompt rendered with fixed inputs: what a model would see. */
function allPrompts(): string {
  const issue = { problemStatement: 'ISSUE', hintsText: 'HINTS' };
  return [
    systemPrompt,
    fileLevelPrompt({ ...issue, tree: 'TREE', maxFiles: 3 }),
    irrelevantFoldersPrompt({ ...issue, tree: 'TREE' }),
    elementLevelPrompt({ ...issue, skeletons: [{ path: 'a.py', skeleton: 'SKELETON' }] }),
    editLevelPrompt({ ...issue, code: 'CODE' }),
    reaskPrompt('PROBLEM'),
  ].join('\n\u0000\n');
}

it('pins the prompt texts to the prompt version (change a prompt: bump promptVersion and this hash)', () => {
  const hash = createHash('sha256').update(allPrompts()).digest('hex').slice(0, 16);
  expect({ promptVersion, hash }).toEqual({ promptVersion: 'agentless-prompts-1', hash: '3b6b6c7d6d52c21c' });
});

it('leaves hints out of the prompt when the task has none', () => {
  expect(fileLevelPrompt({ problemStatement: 'ISSUE', hintsText: '  ', tree: 'TREE', maxFiles: 2 })).not.toContain('Comments on the issue');
  expect(fileLevelPrompt({ problemStatement: 'ISSUE', hintsText: 'It broke in 2.1', tree: 'TREE', maxFiles: 2 })).toContain('### Comments on the issue ###\nIt broke in 2.1');
});

it('describes itself with the name and version of its package.json', () => {
  const manifest = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
  expect(agentlessPlugin.meta).toEqual({ name: manifest.name, version: manifest.version });
  expect(packageMeta).toEqual(agentlessPlugin.meta);
  expect(agentlessPlugin.kind).toBe('localizer');
  expect(agentlessPlugin.specificationVersion).toBe('v1');
});
