import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { expect, it } from 'vitest';
import { packageMeta, promptVersion, relevancePlugin } from '../src/index';
import { judgmentPrompt, judgmentSystemPrompt } from '../src/prompts/judgment-prompt';
import { rankingPrompt, rankingSystemPrompt } from '../src/prompts/ranking-prompt';
import { reaskPrompt } from '../src/prompts/reask-prompt';

function allPrompts(): string {
  const issue = { problemStatement: 'ISSUE', hintsText: 'HINTS' };
  return [
    judgmentSystemPrompt,
    judgmentPrompt({ ...issue, path: 'a.py', content: 'CONTENT' }),
    rankingSystemPrompt({ tokenBudget: 100, targetTokens: 50 }),
    rankingPrompt({ ...issue, files: [{ path: 'a.py', tokens: 10, summary: 'SUMMARY' }] }),
    reaskPrompt('PROBLEM'),
  ].join('\n\u0000\n');
}

it('pins the prompt texts to the prompt version (change a prompt: bump promptVersion and this hash)', () => {
  const hash = createHash('sha256').update(allPrompts()).digest('hex').slice(0, 16);
  expect({ promptVersion, hash }).toEqual({ promptVersion: 'relevance-prompts-1', hash: '7a3beabcefba1481' });
});

it('describes itself with the name and version of its package.json', () => {
  const manifest = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
  expect(relevancePlugin.meta).toEqual({ name: manifest.name, version: manifest.version });
  expect(packageMeta).toEqual(relevancePlugin.meta);
  expect(relevancePlugin.kind).toBe('localizer');
});
