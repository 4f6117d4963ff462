import { describe, expect, it } from 'vitest';
import { InstanceSchema, createInMemorySequenceStorage, silentLogger, toTask, type LocalizerV1, type ModelClient, type PluginContext } from '@codemonkeys/protocol';
import { createInMemoryWorkspace, goldNeedlesOf, runLocalizerConformance } from '@codemonkeys/protocol/testkit';
import { renderContext } from '../src/index';

const files = {
  'pkg/words.py': 'SEPARATOR = " "\n\n\ndef split_words(text):\n    return text.split(SEPARATOR)\n',
  'tests/test_words.py': 'from pkg.words import split_words\n\n\ndef test_split_simple():\n    assert split_words("a b") == ["a", "b"]\n',
};

const instance = InstanceSchema.parse({
  instanceId: 'owner__pkg-1',
  repo: 'owner/pkg',
  baseCommit: 'a'.repeat(40),
  patch:
    'diff --git a/pkg/words.py b/pkg/words.py\n--- a/pkg/words.py\n+++ b/pkg/words.py\n@@ -3,3 +3,3 @@\n \n def split_words(text):\n-    return text.split(SEPARATOR)\n+    return text.split()  # any whitespace\n',
  testPatch:
    'diff --git a/tests/test_words.py b/tests/test_words.py\n--- a/tests/test_words.py\n+++ b/tests/test_words.py\n@@ -5,0 +6,3 @@\n+\n+def test_split_repeated_spaces():\n+    assert split_words("a  b") == ["a", "b"]\n',
  problemStatement: 'split_words returns empty strings for text with two spaces in a row (see test_split_simple).',
  failToPass: ['tests/test_words.py::test_split_repeated_spaces'],
  passToPass: ['tests/test_words.py::test_split_simple'],
});

const workspace = createInMemoryWorkspace({ instanceId: instance.instanceId, files });

/** A model client that records what it was asked and answers nothing useful (the localizer ignores it). */
function recordingModel(requests: unknown[]): ModelClient {
  return {
    specificationVersion: 'v1',
    endpoint: 'recording',
    defaultModel: 'recording-model',
    async chat(request) {
      requests.push(request);
      return {
        model: 'recording-model',
        choices: [{ index: 0, message: { role: 'assistant', content: 'pkg/words.py' }, finishReason: 'stop' }],
        usage: { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 },
        costUsd: 0,
        latencyMs: 0,
        cacheHit: false,
        retries: 0,
      };
    },
    async embed() {
      throw new Error('not used');
    },
    countTokens: (text) => Math.ceil(text.length / 4),
  };
}

function contextFor(model: ModelClient): PluginContext {
  return {
    task: async () => toTask(instance),
    workspace: async () => workspace,
    model,
    modelFor: () => model,
    sandbox: () => undefined,
    storage: createInMemorySequenceStorage(),
    logger: silentLogger,
    signal: new AbortController().signal,
    hypers: {},
    experimentId: 'experiment',
    runId: 'run',
  };
}

/** A minimal honest localizer: shows the issue and the file list to the model, returns what it names. */
function namingLocalizer(context: PluginContext, output: 'pointers' | 'text'): LocalizerV1 {
  return {
    specificationVersion: 'v1',
    async run(instanceId) {
      const task = await context.task(instanceId);
      const files = await (await context.workspace(instanceId)).listFiles();
      const response = await context.model.chat({ messages: [{ role: 'user', content: `${task.problemStatement}\n\n${files.join('\n')}` }] });
      const path = response.choices[0]!.message.content.trim();
      const pointers = [{ path, startLine: 1, endLine: 5, kind: 'file' as const }];
      if (output === 'pointers') return { content: pointers, metadata: { named: path, usage: response.usage } };
      const rendered = await renderContext(pointers, { readFile: (file) => workspace.readFile(file) });
      return { content: rendered.text, metadata: { named: path } };
    },
  };
}

for (const output of ['pointers', 'text'] as const) {
  runLocalizerConformance(`reference localizer (${output})`, {
    async create() {
      const requests: unknown[] = [];
      const context = contextFor(recordingModel(requests));
      return { localizer: namingLocalizer(context, output), context, instance, requests: () => requests };
    },
  });
}

describe('goldNeedlesOf', () => {
  it('lists the lines the gold and test patches add and the FAIL_TO_PASS names, but nothing the base commit or the task already shows', async () => {
    const needles = await goldNeedlesOf(instance, workspace, toTask(instance));
    expect(needles).toContain('return text.split()  # any whitespace');
    expect(needles).toContain('def test_split_repeated_spaces():');
    expect(needles).toContain('test_split_repeated_spaces');
    expect(needles).toContain('tests/test_words.py::test_split_repeated_spaces');
    // Context and removed lines exist at the base commit: a localizer may show them.
    expect(needles).not.toContain('def split_words(text):');
    expect(needles).not.toContain('return text.split(SEPARATOR)');
  });

  it('leaves out gold text that the task itself mentions', async () => {
    const mentioning = { ...instance, problemStatement: `${instance.problemStatement} Failing: test_split_repeated_spaces` };
    const needles = await goldNeedlesOf(mentioning, workspace, toTask(mentioning));
    expect(needles).not.toContain('test_split_repeated_spaces');
    expect(needles).toContain('return text.split()  # any whitespace');
  });
});
