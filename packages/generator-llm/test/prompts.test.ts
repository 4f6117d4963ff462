import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { expect, it } from 'vitest';
import llmGeneratorDefault, { llmGeneratorPlugin, packageMeta, promptVersion } from '../src/index';
import { editFormatInstructions } from '../src/prompts/edit-format-instructions';
import { editFeedbackPrompt, editingStartPrompt, reaskPrompt, testNotReproducingPrompt, testRunFeedbackPrompt } from '../src/prompts/feedback-prompts';
import { codeSection, issueSection } from '../src/prompts/issue-section';
import { systemPrompt } from '../src/prompts/system-prompt';
import { combinedTaskPrompt, editTaskPrompt, testTaskPrompt } from '../src/prompts/task-prompts';
import { testScriptInstructions } from '../src/prompts/test-script-instructions';
import type { TestRun } from '../src/index';

const run = (exitCode: number | null, verdict: TestRun['verdict']): TestRun => ({ exitCode, verdict, output: 'OUTPUT', timedOut: verdict === 'timeout', durationMs: 1 });
const task = { instanceId: 'x', repo: 'owner/repo', baseCommit: 'abc', problemStatement: 'ISSUE', hintsText: 'HINTS', version: '1.0' };

/** Every prompt rendered with fixed inputs: what a model would see. */
function allPrompts(): string {
  const parts = { issue: issueSection(task, { useHints: true }), code: codeSection('CODE'), testCommand: 'python3 reproduce_issue.py' };
  return [
    systemPrompt,
    parts.issue,
    issueSection(task, { useHints: false }),
    parts.code,
    codeSection(''),
    editFormatInstructions('search-replace'),
    editFormatInstructions('unified-diff'),
    testScriptInstructions(parts.testCommand),
    editTaskPrompt({ ...parts, editFormat: 'search-replace' }),
    combinedTaskPrompt({ ...parts, editFormat: 'unified-diff' }),
    testTaskPrompt(parts),
    testRunFeedbackPrompt(run(2, 'not-fixed')),
    testNotReproducingPrompt(run(0, 'fixed')),
    testNotReproducingPrompt(undefined),
    editingStartPrompt('TEST', run(2, 'not-fixed'), 'search-replace'),
    editFeedbackPrompt({ diff: 'DIFF', original: run(2, 'not-fixed'), edited: run(1, 'error'), format: 'search-replace' }),
    editFeedbackPrompt({ diff: '', original: run(null, 'timeout'), edited: undefined, format: 'unified-diff' }),
    editFeedbackPrompt({ diff: 'DIFF', original: run(null, 'sandbox-error'), edited: run(null, 'not-applied'), format: 'search-replace' }),
    reaskPrompt(['PROBLEM', '- LISTED'], 'EXPECTED'),
  ].join('\n\u0000\n');
}

it('pins the prompt texts to the prompt version (change a prompt: bump promptVersion and this hash)', () => {
  const hash = createHash('sha256').update(allPrompts()).digest('hex').slice(0, 16);
  expect({ promptVersion, hash }).toEqual({ promptVersion: 'generator-llm-prompts-1', hash: 'a63de96922a87f7e' });
});

it('states the exit-code contract and the answer format of tests wherever a test is asked for', () => {
  for (const prompt of [testScriptInstructions('python3 t.py'), testTaskPrompt({ issue: 'I', code: 'C', testCommand: 'python3 t.py' })]) {
    expect(prompt).toContain('exit 2: the issue is NOT fixed');
    expect(prompt).toContain('exit 0: the issue is fixed');
    expect(prompt).toContain('between <test> and </test>');
    expect(prompt).toContain('`python3 t.py`');
  }
  expect(combinedTaskPrompt({ issue: 'I', code: 'C', testCommand: 'python3 t.py', editFormat: 'search-replace' })).toContain(
    'The test must exit with 2 on the code as it is now and with 0 once your edit is applied.',
  );
});

it('leaves hints out unless asked for, and says when no code was selected', () => {
  expect(issueSection(task, { useHints: false })).not.toContain('HINTS');
  expect(issueSection(task, { useHints: true })).toContain('<hints>\nHINTS\n</hints>');
  expect(issueSection({ ...task, hintsText: '  ' }, { useHints: true })).not.toContain('<hints>');
  expect(codeSection('')).toContain('No code was selected for this issue');
});

it('describes itself with the name and version of its package.json, as a v1.1 generator loaded as "llm"', () => {
  const manifest = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    name: string;
    version: string;
    peerDependencies: Record<string, string>;
    dependencies: Record<string, string>;
  };
  expect(llmGeneratorPlugin.meta).toEqual({ name: manifest.name, version: manifest.version });
  expect(packageMeta).toEqual(llmGeneratorPlugin.meta);
  expect(llmGeneratorDefault).toBe(llmGeneratorPlugin);
  expect(llmGeneratorPlugin.kind).toBe('generator');
  expect(llmGeneratorPlugin.specificationVersion).toBe('v1.1');
  // The runner's short name `llm` maps to @codemonkeys/generator-llm.
  expect(manifest.name).toBe('@codemonkeys/generator-llm');
  // A plugin: core and zod are peers; no other codemonkeys package at run time.
  expect(Object.keys(manifest.peerDependencies).sort()).toEqual(['@codemonkeys/plugin-kit', '@codemonkeys/protocol', 'zod']);
  expect(Object.keys(manifest.dependencies).filter((name) => name.startsWith('@codemonkeys/'))).toEqual([]);
});
