import { renderContext } from '@codemonkeys/plugin-kit';
import { GeneratedTestSchema, PatchSchema, UnsupportedCapabilityError, InvalidPluginOptionsError, instantiatePlugin, type Patch } from '@codemonkeys/protocol';
import { goldNeedlesOf } from '@codemonkeys/protocol/testkit';
import { serverErrorReply, textReply } from '@codemonkeys/llm/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { llmGeneratorPlugin, type RefusedAnswer } from '../src/index';
import { block, fenced, sentenceStatsFuzzy, testBlock, wordCountDrifted, wordCountExact, wordCountTest } from './support/answers';
import { conversationOf, createGeneratorHarness, scriptedConversations, type GeneratorHarness } from './support/generator-harness';

let harness: GeneratorHarness;
beforeAll(async () => {
  harness = await createGeneratorHarness();
});
afterAll(async () => {
  await harness.close();
});
beforeEach(() => harness.reset());

const metadataOf = (patch: Patch) =>
  patch.metadata as {
    status: string;
    finalState: string;
    failure?: { reason: string; message: string };
    edits: Array<{ path: string; method: string; startLine?: number; endLine?: number; similarity?: number; lineNumbersStripped?: boolean }>;
    refusedAnswers: RefusedAnswer[];
    attempts: { editing: number; testing?: number };
    messages: { start: number; count: number };
    calls: number;
    usage: { inputTokens: number; outputTokens: number };
    costUsd: number;
    promptVersion: string;
    generator: { name: string; version: string };
    seed?: number;
    temperature: number;
    testProblem?: string;
  };

describe('applying answers to the fixture repository', () => {
  it('turns exact SEARCH blocks into exactly the gold diff of word-count', async () => {
    harness.server.setHandler(scriptedConversations({ edit: [wordCountExact] }));
    const { patches } = await harness.generate({});
    expect(patches).toHaveLength(1);
    const [patch] = patches;
    expect(patch!.diff).toBe(harness.fixture.instance('word-count').patch);
    const metadata = metadataOf(patch!);
    expect(metadata.status).toBe('ok');
    expect(metadata.finalState).toBe('answered');
    expect(metadata.edits).toEqual([
      { index: 0, path: 'textkit/words.py', method: 'exact', startLine: 3, endLine: 5, similarity: 1 },
      { index: 1, path: 'textkit/words.py', method: 'exact', startLine: 6, endLine: 6, similarity: 1 },
    ]);
    expect(metadata.refusedAnswers).toEqual([]);
    expect(PatchSchema.safeParse(patch).success).toBe(true);
    expect(patch!.tests).toBeUndefined();
  });

  // Lines of an edit are those of the file as the earlier edits of the answer left it.
  it('matches whitespace-drifted SEARCH blocks (tab, blank edges, a dropped indentation level) and still produces the gold diff', async () => {
    harness.server.setHandler(scriptedConversations({ edit: [wordCountDrifted] }));
    const { patches } = await harness.generate({});
    expect(patches[0]!.diff).toBe(harness.fixture.instance('word-count').patch);
    expect(metadataOf(patches[0]!).edits.map((edit) => [edit.method, edit.startLine, edit.endLine])).toEqual([
      ['whitespace', 3, 6],
      ['whitespace', 5, 6],
    ]);
  });

  it('matches a SEARCH block with a typo by line similarity and changes only the lines the model changed (sentence-stats gold diff)', async () => {
    harness.server.setHandler(scriptedConversations({ edit: [sentenceStatsFuzzy] }));
    const { patches } = await harness.generate({}, { instance: 'sentence-stats' });
    expect(patches[0]!.diff).toBe(harness.fixture.instance('sentence-stats').patch);
    const edits = metadataOf(patches[0]!).edits;
    expect(edits.map((edit) => [edit.path, edit.method])).toEqual([
      ['textkit/sentences.py', 'exact'],
      ['textkit/stats.py', 'fuzzy'],
    ]);
    expect(edits[1]!.similarity).toBeGreaterThan(0.8);
    expect(edits[1]!.similarity).toBeLessThan(1);
  });

  it('reads a unified diff with wrong hunk counts and applies it hunk by hunk', async () => {
    const answer = [
      'Use split() without an argument.',
      '```diff',
      '--- a/textkit/words.py',
      '+++ b/textkit/words.py',
      '@@ -3,3 +3,2 @@',
      '-WORD_SEPARATOR = " "',
      '-',
      ' ',
      '@@ -8,1 +7,1 @@',
      '-    return text.split(WORD_SEPARATOR)',
      '+    return text.split()',
      '```',
    ].join('\n');
    harness.server.setHandler(scriptedConversations({ edit: [answer] }));
    const { patches } = await harness.generate({ editFormat: 'unified-diff' });
    expect(patches[0]!.diff).toBe(harness.fixture.instance('word-count').patch);
    expect(harness.chats()[0]!.lastUserMessage).toContain('Write the change as a unified diff');
  });

  it('deletes a file when a unified diff sends it to /dev/null', async () => {
    const answer = [
      '```diff',
      '--- a/textkit/case.py',
      '+++ /dev/null',
      '@@ -1,3 +0,0 @@',
      '-"""Changing the case of words."""',
      '-',
      '-SMALL_WORDS = frozenset({"a", "an", "and", "of", "the", "to"})',
      '```',
    ].join('\n');
    harness.server.setHandler(scriptedConversations({ edit: [answer] }));
    const { patches } = await harness.generate({ editFormat: 'unified-diff' });
    expect(patches[0]!.diff).toMatch(/^diff --git a\/textkit\/case.py b\/textkit\/case.py\ndeleted file mode 100644\n/);
    expect(metadataOf(patches[0]!).edits.map((edit) => edit.method)).toEqual(['deleted-file']);
  });

  it('creates a new file from an empty SEARCH, and removes line numbers copied from the shown code', async () => {
    const answer = fenced(
      block('textkit/whitespace.py', [], ['"""Whitespace helpers."""', '', '', 'def squeeze(text):', '    return " ".join(text.split())']),
      block('textkit/words.py', [' 8 |     return text.split(WORD_SEPARATOR)'], [' 8 |     return text.split()']),
    );
    harness.server.setHandler(scriptedConversations({ edit: [answer] }));
    const { patches } = await harness.generate({});
    const diff = patches[0]!.diff;
    expect(diff).toContain('diff --git a/textkit/whitespace.py b/textkit/whitespace.py\nnew file mode 100644');
    expect(diff).toContain('+def squeeze(text):\n+    return " ".join(text.split())\n');
    expect(diff).toContain('-    return text.split(WORD_SEPARATOR)\n+    return text.split()\n');
    expect(metadataOf(patches[0]!).edits.map((edit) => [edit.path, edit.method, edit.lineNumbersStripped ?? false])).toEqual([
      ['textkit/whitespace.py', 'new-file', false],
      ['textkit/words.py', 'exact', true],
    ]);
  });

  it('records an edit that changes nothing as a no-op with an empty diff', async () => {
    harness.server.setHandler(
      scriptedConversations({ edit: [fenced(block('textkit/words.py', ['    return text.split(WORD_SEPARATOR)'], ['    return text.split(WORD_SEPARATOR)']))] }),
    );
    const { patches } = await harness.generate({});
    expect(patches[0]!.diff).toBe('');
    expect(metadataOf(patches[0]!)).toMatchObject({ status: 'no-op', finalState: 'answered', refusedAnswers: [] });
  });
});

describe('refused edits and malformed answers', () => {
  const refusedAnswer = fenced(
    block('textkit/words.py', ['', ''], ['# two blank lines']),
    block('textkit/nowhere.py', ['x = 1'], ['x = 2']),
    block('../../etc/passwd', [], ['root::0:0::/:/bin/sh']),
    block('textkit/words.py', ['    return text.split(SEPARATORS_OF_ALL_KINDS)'], ['    return text.split()']),
  );

  it('refuses ambiguous, missing, out-of-repository and not-found edits with reasons, asks again, and fails the sample without writing anything', async () => {
    harness.server.setHandler(scriptedConversations({ edit: [refusedAnswer, refusedAnswer] }));
    const { patches, messages } = await harness.generate({});
    const [patch] = patches;
    expect(patch!.diff).toBe('');
    const metadata = metadataOf(patch!);
    expect(metadata).toMatchObject({ status: 'failed', finalState: 'unparseable', attempts: { editing: 2 }, calls: 2 });
    expect(metadata.failure?.reason).toBe('unparseable');
    expect(metadata.refusedAnswers).toHaveLength(2);
    expect(metadata.refusedAnswers[0]!.refusals!.map((refusal) => [refusal.index, refusal.path, refusal.reason])).toEqual([
      [0, 'textkit/words.py', 'ambiguous'],
      [1, 'textkit/nowhere.py', 'file-missing'],
      [2, '../../etc/passwd', 'outside-repository'],
      [3, 'textkit/words.py', 'not-found'],
    ]);
    // The re-ask shows the model every reason, in words it can act on.
    const reask = harness.chats()[1]!.lastUserMessage!;
    expect(reask).toContain('- block 1 (textkit/words.py): the SEARCH text occurs');
    expect(reask).toContain('- block 2 (textkit/nowhere.py): the file does not exist at the commit being fixed');
    expect(reask).toContain('- block 3 (../../etc/passwd): Refused path "../../etc/passwd": it points outside the repository.');
    expect(reask).toContain('- block 4 (textkit/words.py): the SEARCH text is not in the file (closest: lines 8, ');
    expect(messages.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'user', 'assistant']);
  });

  it('asks again after an unusable answer and uses the second one', async () => {
    harness.server.setHandler(scriptedConversations({ edit: [fenced(block('textkit/nowhere.py', ['x = 1'], ['x = 2'])), wordCountExact] }));
    const { patches } = await harness.generate({});
    expect(patches[0]!.diff).toBe(harness.fixture.instance('word-count').patch);
    expect(metadataOf(patches[0]!)).toMatchObject({ status: 'ok', attempts: { editing: 2 } });
    expect(metadataOf(patches[0]!).refusedAnswers.map((answer) => answer.refusals?.[0]?.reason)).toEqual(['file-missing']);
  });

  it('turns prose without edits, then a block cut off at the token limit, into a failed sample, never an error', async () => {
    const cut = textReply('textkit/words.py\n<<<<<<< SEARCH\n    return text.split(WORD_SEPARATOR)\n=======\n    return text', { finishReason: 'length' });
    harness.server.setHandler(scriptedConversations({ edit: ['The bug is probably somewhere in split_words.', cut] }));
    const { patches } = await harness.generate({ maxReasks: 1 });
    const metadata = metadataOf(patches[0]!);
    expect(patches[0]!.diff).toBe('');
    expect(metadata).toMatchObject({ status: 'failed', finalState: 'unparseable' });
    expect(metadata.refusedAnswers.map((answer) => answer.problems)).toEqual([
      ['the answer holds no edit'],
      ['block 1 (answer line 2) is cut off: it ends without ">>>>>>> REPLACE" (was the answer cut at its token limit?)'],
    ]);
    expect(harness.chats()[1]!.lastUserMessage).toContain('I could not use your answer:\n- the answer holds no edit');
  });

  it('never asks again with maxReasks 0', async () => {
    harness.server.setHandler(scriptedConversations({ edit: ['No idea.'] }));
    const { patches } = await harness.generate({ maxReasks: 0 });
    expect(metadataOf(patches[0]!)).toMatchObject({ status: 'failed', finalState: 'unparseable', calls: 1 });
    expect(harness.chats()).toHaveLength(1);
  });

  it('records a failing endpoint as a failed sample (endpoint-error) and keeps the other samples', async () => {
    let calls = 0;
    harness.server.setHandler(() => (calls++ === 0 ? serverErrorReply({ status: 503 }) : wordCountExact));
    const { patches } = await harness.generate({ samples: 2, concurrency: 1 });
    expect(patches.map((patch) => metadataOf(patch).status)).toEqual(['failed', 'ok']);
    expect(metadataOf(patches[0]!).finalState).toBe('endpoint-error');
    expect(metadataOf(patches[0]!).failure?.message).toMatch(/503/);
    // Protocol v1.1: no answer was obtained, so the candidate is `failed` with an infrastructure reason.
    expect(patches.map((patch) => (patch.metadata.candidate as { status: string; failure?: { reason: string } } | undefined) ?? null)).toEqual([
      { status: 'failed', failure: expect.objectContaining({ reason: 'endpoint-error' }) },
      null,
    ]);
  });

  it('asks again, on resume, only for the samples that obtained no answer: they are not results', async () => {
    let calls = 0;
    harness.server.setHandler(() => (calls++ === 0 ? serverErrorReply({ status: 503 }) : wordCountExact));
    const first = await harness.generate({ samples: 2, concurrency: 1 }, { runId: 'healed-later' });
    expect(first.patches.map((patch) => metadataOf(patch).finalState)).toEqual(['endpoint-error', 'answered']);
    const before = harness.chats().length;
    const resumed = await harness.generate({ samples: 2, concurrency: 1 }, { runId: 'healed-later' });
    // One request: sample 0 again (sample 1 was saved as finished); the endpoint answers it now.
    expect(harness.chats().length - before).toBe(1);
    expect(resumed.patches.map((patch) => metadataOf(patch).finalState)).toEqual(['answered', 'answered']);
    expect(resumed.patches.map((patch) => patch.metadata.candidate ?? null)).toEqual([null, null]);
  });
});

describe('samples', () => {
  it('makes one call per sample with its seed and the temperature, tagged with the sample, within the concurrency', async () => {
    harness.server.setHandler(() => wordCountExact);
    harness.server.setLatency(30);
    try {
      const { patches } = await harness.generate({ samples: 4, seed: 7, concurrency: 2 });
      expect(patches.map((patch) => metadataOf(patch).seed)).toEqual([7, 8, 9, 10]);
      const chats = harness.chats();
      expect(chats.map((request) => (request.body as { seed: number }).seed).sort()).toEqual([10, 7, 8, 9]);
      for (const request of chats) expect((request.body as { temperature: number }).temperature).toBe(0.8);
      expect(harness.server.maxActiveRequests).toBeLessThanOrEqual(2);
      expect(harness.records.map((record) => record.sample).sort()).toEqual([0, 1, 2, 3]);
      expect(patches.map((patch) => metadataOf(patch).temperature)).toEqual([0.8, 0.8, 0.8, 0.8]);
    } finally {
      harness.server.setLatency(0);
    }
  });

  it('with sampling "n", takes every first answer from one call and splits its usage between the samples', async () => {
    let choice = 0;
    harness.server.setHandler(() => (choice++ === 1 ? 'I cannot tell.' : wordCountExact));
    const { patches } = await harness.generate({ samples: 3, sampling: 'n', maxReasks: 0 });
    const chats = harness.chats();
    expect(chats).toHaveLength(1);
    expect(chats[0]!.n).toBe(3);
    expect(patches.map((patch) => metadataOf(patch).status)).toEqual(['ok', 'failed', 'ok']);
    const record = harness.records[0]!;
    const inputTokens = patches.reduce((sum, patch) => sum + metadataOf(patch).usage.inputTokens, 0);
    expect(inputTokens).toBe(record.usage.inputTokens);
  });

  it("returns one patch per sample in order, the messages of all samples, and each patch's range of them", async () => {
    harness.server.setHandler(scriptedConversations({ edit: [wordCountExact, 'nothing', 'still nothing'] }));
    const { patches, messages } = await harness.generate({ samples: 2, concurrency: 1 });
    expect(patches.map((patch) => metadataOf(patch).messages)).toEqual([
      { start: 0, count: 3 },
      { start: 3, count: 5 },
    ]);
    expect(messages).toHaveLength(8);
    expect(messages[2]!.content).toBe(wordCountExact);
    expect(messages[2]!.usage?.outputTokens).toBeGreaterThan(0);
    for (const patch of patches) expect(patch.instanceId).toBe(harness.instanceId('word-count'));
  });
});

describe('reproduction tests', () => {
  it('combined: takes the test from the same answer as the fix and returns it as a GeneratedTest', async () => {
    harness.server.setHandler(scriptedConversations({ combined: [`The test counts words of pasted text.\n\n${testBlock(wordCountTest)}\n\n${wordCountExact}`] }));
    const { patches } = await harness.generate({ tests: 'combined' });
    const [patch] = patches;
    expect(patch!.diff).toBe(harness.fixture.instance('word-count').patch);
    expect(patch!.tests).toHaveLength(1);
    const test = GeneratedTestSchema.parse(patch!.tests![0]);
    expect(test).toMatchObject({ path: 'reproduce_issue.py', command: 'python3 reproduce_issue.py', content: wordCountTest, metadata: { sample: 0, source: 'combined' } });
    expect(harness.chats()[0]!.lastUserMessage).toContain('exit 2: the issue is NOT fixed');
    // The test is not part of the candidate.
    expect(patch!.diff).not.toContain('reproduce_issue.py');
  });

  it('combined: asks again for a missing test only, keeping the edit of the first answer', async () => {
    harness.server.setHandler(scriptedConversations({ combined: [wordCountExact, `Here it is.\n${testBlock(wordCountTest)}`] }));
    const { patches } = await harness.generate({ tests: 'combined' });
    expect(patches[0]!.diff).toBe(harness.fixture.instance('word-count').patch);
    expect(patches[0]!.tests![0]!.content).toBe(wordCountTest);
    expect(harness.chats()[1]!.lastUserMessage).toContain('Answer again with the whole test script between <test> and </test>');
  });

  it('combined: keeps the edit and says why there is no test when the test never comes', async () => {
    harness.server.setHandler(scriptedConversations({ combined: [wordCountExact, 'I would rather not write a test.'] }));
    const { patches } = await harness.generate({ tests: 'combined' });
    expect(patches[0]!.diff).toBe(harness.fixture.instance('word-count').patch);
    expect(patches[0]!.tests).toEqual([]);
    expect(metadataOf(patches[0]!).testProblem).toBe('the answer holds no test script between <test> and </test>');
  });

  it('independent: writes the test in a separate conversation that never sees the fix', async () => {
    harness.server.setHandler(scriptedConversations({ edit: [wordCountExact], test: [testBlock(wordCountTest)] }));
    const { patches, messages } = await harness.generate({ tests: 'independent' });
    expect(patches[0]!.tests![0]).toMatchObject({ content: wordCountTest, metadata: { source: 'independent' } });
    const kinds = harness.chats().map(conversationOf).sort();
    expect(kinds).toEqual(['edit', 'test']);
    const testRequest = harness.chats().find((request) => conversationOf(request) === 'test')!;
    expect(testRequest.messages.map((message) => message.content).join('\n')).not.toContain('text.split()');
    expect(metadataOf(patches[0]!).attempts).toEqual({ editing: 1, testing: 1 });
    expect(messages.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'system', 'user', 'assistant']);
  });

  it('picks a free test path when the repository has a file of that name', async () => {
    harness.server.setHandler(scriptedConversations({ combined: [`${testBlock(wordCountTest)}\n${wordCountExact}`] }));
    const { patches } = await harness.generate({ tests: 'combined', testPath: 'README.md', testCommand: 'python3 -X utf8 {path}' });
    expect(patches[0]!.tests![0]).toMatchObject({ path: 'README_1.md', command: 'python3 -X utf8 README_1.md' });
  });
});

describe('prompts and context', () => {
  it('shows the issue and the localized code with line numbers, and no gold data', async () => {
    harness.server.setHandler(
      scriptedConversations({
        combined: [`${testBlock(wordCountTest)}\n${fenced(block('textkit/words.py', ['    return text.split(WORD_SEPARATOR)'], ['    return text.split()']))}`],
      }),
    );
    await harness.generate({ tests: 'combined' }, { instance: 'sentence-stats' });
    const instance = harness.fixture.instance('sentence-stats');
    const prompt = harness.chats()[0]!.lastUserMessage!;
    expect(prompt).toContain('summarize() gives strange numbers for dialogue');
    expect(prompt).toContain('[start of textkit/stats.py]');
    expect(prompt).toContain('13 |     return round(letters / len(split_sentences(text)), 1)');
    expect(prompt).not.toContain(instance.hintsText.trim());
    const needles = await goldNeedlesOf(instance, await harness.context.workspace(instance.instanceId));
    expect(needles.length).toBeGreaterThan(0);
    const sent = harness
      .chats()
      .map((request) => request.rawBody)
      .join('\n');
    for (const needle of needles) expect(sent).not.toContain(needle);
  });

  it('uses a string localization as it is, and shows hints only when asked', async () => {
    harness.server.setHandler(scriptedConversations({ edit: [wordCountExact] }));
    const workspace = await harness.context.workspace(harness.instanceId('sentence-stats'));
    const rendered = await renderContext([{ path: 'textkit/sentences.py', startLine: 3, endLine: 3 }], { readFile: (path) => workspace.readFile(path) });
    await harness.generate({ useHints: true }, { instance: 'sentence-stats', localization: { content: rendered.text, metadata: {} } });
    const prompt = harness.chats()[0]!.lastUserMessage!;
    expect(prompt).toContain(rendered.text);
    expect(prompt).not.toContain('[start of textkit/stats.py]');
    expect(prompt).toContain('<hints>\nThe numbers are right for a single sentence that ends with a full stop.\n</hints>');
  });

  it('stops before a call that would overflow the context window', async () => {
    harness.server.setHandler(scriptedConversations({ edit: [wordCountExact] }));
    const { patches } = await harness.generate({ contextWindow: 600, maxAnswerTokens: 200 });
    expect(harness.chats()).toHaveLength(0);
    expect(metadataOf(patches[0]!)).toMatchObject({ status: 'failed', finalState: 'context-exceeded', calls: 0 });
    expect(metadataOf(patches[0]!).failure!.message).toMatch(/exceeds the context window of 600/);
  });

  it('records the plugin, the prompt version, calls, usage and cost in every patch', async () => {
    harness.server.setHandler(scriptedConversations({ edit: [wordCountExact] }));
    const { patches } = await harness.generate({});
    const metadata = metadataOf(patches[0]!);
    expect(metadata.generator).toEqual({ name: '@codemonkeys/generator-llm', version: llmGeneratorPlugin.meta.version });
    expect(metadata.promptVersion).toBe('generator-llm-prompts-1');
    expect(metadata.calls).toBe(1);
    expect(metadata.costUsd).toBeCloseTo((metadata.usage.inputTokens * 1 + metadata.usage.outputTokens * 2) / 1_000_000, 12);
    expect(JSON.parse(JSON.stringify(patches[0]!.metadata))).toEqual(patches[0]!.metadata);
  });
});

describe('options and resuming', () => {
  it('refuses iterative mode without a test, and with unknown options, listing the zod issues', async () => {
    await expect(instantiatePlugin(llmGeneratorPlugin, { maxAttempts: 4 }, harness.context)).rejects.toThrow(InvalidPluginOptionsError);
    await expect(instantiatePlugin(llmGeneratorPlugin, { maxAttempts: 4 }, harness.context)).rejects.toThrow(/tests: iterative mode \(maxAttempts > 1\) needs a reproduction test/);
    await expect(instantiatePlugin(llmGeneratorPlugin, { sample: 3 }, harness.context)).rejects.toThrow(/sample/);
    await expect(instantiatePlugin(llmGeneratorPlugin, { testCommand: 'pytest' }, harness.context)).rejects.toThrow(/must contain \{path\}/);
  });

  it('refuses iterative mode when the context has no sandbox, saying how to fix it', async () => {
    const generator = await instantiatePlugin(llmGeneratorPlugin, { maxAttempts: 4, tests: 'combined' }, harness.context);
    const failure = await generator.run({ content: [], metadata: {} }, harness.instanceId('word-count')).catch((error: unknown) => error);
    expect(UnsupportedCapabilityError.isInstance(failure)).toBe(true);
    expect((failure as Error).message).toMatch(/set maxAttempts to 1/);
  });

  it('returns the finished samples of a stopped run from storage without calling the model again', async () => {
    const resumeHarness = await createGeneratorHarness({ instances: ['word-count'] });
    try {
      resumeHarness.server.setHandler(scriptedConversations({ edit: [wordCountExact, 'nothing useful', 'still nothing'] }));
      const first = await resumeHarness.generate({ samples: 2, concurrency: 1 }, { runId: 'resumed-run' });
      const requestsBefore = resumeHarness.server.requests.length;
      const second = await resumeHarness.generate({ samples: 2, concurrency: 4 }, { runId: 'resumed-run' });
      expect(resumeHarness.server.requests.length).toBe(requestsBefore);
      expect(second.patches.map((patch) => patch.diff)).toEqual(first.patches.map((patch) => patch.diff));
      expect(second.messages).toEqual(first.messages);
      expect(second.patches.map((patch) => patch.metadata.resumed)).toEqual([true, true]);
      // Other prompts or options: the saved samples are not reused.
      resumeHarness.server.setHandler(() => wordCountExact);
      const third = await resumeHarness.generate({ samples: 2, editFormat: 'search-replace', fuzzyThreshold: 0.9 }, { runId: 'resumed-run' });
      expect(third.patches.map((patch) => patch.metadata.resumed)).toEqual([false, false]);
    } finally {
      await resumeHarness.close();
    }
  });
});
