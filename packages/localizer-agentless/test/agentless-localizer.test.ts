import { AgentlessLocalizationError, agentlessPlugin, type AgentlessMetadata, type AgentlessOptionsInput } from '../src/index';
import { CodePointerSchema, instantiatePlugin, parseRenderedContext, type CodePointer, type LocalizationResult } from '@codemonkeys/protocol';
import { goldNeedlesOf } from '@codemonkeys/protocol/testkit';
import { connectionResetReply, serverErrorReply } from '@codemonkeys/llm/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentlessHarness, levelOf, scriptedLevels, type AgentlessHarness } from './support/agentless-harness';

const filesAnswer = 'The numbers come from the statistics code.\n```\ntextkit/stats.py\ntextkit/sentences.py\n```';
const elementsAnswer = '```\ntextkit/stats.py\nfunction: average_word_length\n\ntextkit/sentences.py\nvariable: SENTENCE_ENDINGS\nfunction: split_sentences\n```';
const editsAnswer = '```\ntextkit/stats.py\nline: 13\n\ntextkit/sentences.py\nline: 3\n```';

let harness: AgentlessHarness;
beforeAll(async () => {
  harness = await createAgentlessHarness();
});
afterAll(async () => {
  await harness.close();
});
function resetServer(): void {
  harness.server.reset();
  harness.records.length = 0;
}

async function localize(
  options: AgentlessOptionsInput = {},
  instance: 'sentence-stats' | 'word-count' = 'sentence-stats',
): Promise<{ result: LocalizationResult; metadata: AgentlessMetadata; pointers: CodePointer[] }> {
  resetServer();
  const localizer = await instantiatePlugin(agentlessPlugin, options, harness.context);
  const result = await localizer.run(harness.instanceId(instance));
  await harness.model.flush();
  return { result, metadata: result.metadata as unknown as AgentlessMetadata, pointers: typeof result.content === 'string' ? [] : result.content };
}

describe('the three levels on a fixture repository', () => {
  let outcome: Awaited<ReturnType<typeof localize>>;
  beforeAll(async () => {
    harness.server.setHandler(scriptedLevels({ files: [filesAnswer], elements: [elementsAnswer], edits: [editsAnswer] }));
    outcome = await localize();
  });

  it('asks level 1 with the issue and the filtered repository tree (no tests, docs or non-source files)', () => {
    const [question] = harness.texts('files').filter((text) => text.includes('### Repository structure ###'));
    expect(question).toContain('summarize() gives strange numbers for dialogue');
    expect(question).toContain('textkit/\n    __init__.py\n    case.py\n    punctuation.py\n    sentences.py\n    stats.py\n    words.py');
    expect(question).not.toContain('tests/');
    expect(question).not.toContain('test_stats.py');
    expect(question).not.toContain('README.md');
    expect(question).not.toContain('pyproject.toml');
    expect(question).toContain('at most 3 files');
  });

  it('asks level 2 with the skeletons of the chosen files: signatures and constants, bodies elided', () => {
    const question = harness.texts('elements').find((text) => text.includes('### Skeletons ###'))!;
    expect(question).toContain('### File: textkit/stats.py ###');
    expect(question).toContain('### File: textkit/sentences.py ###');
    expect(question).toContain('def average_word_length(text):\n    """Mean number of letters per word, rounded to one decimal."""\n    ...');
    expect(question).toContain('SENTENCE_ENDINGS = "."');
    expect(question).not.toContain('letters = sum(');
    expect(question).not.toContain('textkit/words.py');
  });

  it('asks level 3 with the code of the chosen elements, every line numbered', () => {
    const question = harness.texts('edits').find((text) => text.includes('### Code ###'))!;
    expect(question).toContain('[start of textkit/stats.py]');
    expect(question).toContain('13 |     return round(letters / len(split_sentences(text)), 1)');
    expect(question).toContain('[start of textkit/sentences.py]');
    expect(question).toContain(' 3 | SENTENCE_ENDINGS = "."');
  });

  it('sends no gold data: neither the lines the fix adds nor the FAIL_TO_PASS tests', async () => {
    const instance = harness.fixture.instance('sentence-stats');
    const needles = await goldNeedlesOf(instance, await harness.context.workspace(instance.instanceId));
    expect(needles).toContain('SENTENCE_ENDINGS = ".!?"');
    expect(needles).toContain('test_summarize_questions_and_exclamations');
    const sent = harness.server.requests.map((request) => request.rawBody + request.messages.map((message) => message.content).join('\n')).join('\n');
    for (const needle of needles) expect(sent).not.toContain(needle);
    expect(sent).not.toContain(instance.patch);
  });

  it('returns the edit lines as valid pointers with their enclosing symbols', () => {
    expect(outcome.pointers).toEqual([
      { path: 'textkit/stats.py', startLine: 13, endLine: 13, kind: 'lines', symbol: 'average_word_length', score: 1 },
      { path: 'textkit/sentences.py', startLine: 3, endLine: 3, kind: 'lines', symbol: 'SENTENCE_ENDINGS', score: 1 },
    ]);
    for (const pointer of outcome.pointers) expect(CodePointerSchema.safeParse(pointer).success).toBe(true);
  });

  it('records every level: choices, element spans, tokens, cost, the prompt version', () => {
    const { metadata } = outcome;
    expect(metadata.status).toBe('complete');
    expect(metadata.resultLevel).toBe('lines');
    expect(metadata.promptVersion).toBe('agentless-prompts-1');
    expect(metadata.plugin.name).toBe('@codemonkeys/localizer-agentless');
    expect(metadata.levels.files).toMatchObject({ status: 'ok', calls: 1, files: ['textkit/stats.py', 'textkit/sentences.py'], treeFiles: 6, corrections: [], dropped: [] });
    expect(metadata.levels.elements?.elements).toEqual([
      { path: 'textkit/stats.py', kind: 'function', name: 'average_word_length', startLine: 7, endLine: 13 },
      { path: 'textkit/sentences.py', kind: 'variable', name: 'SENTENCE_ENDINGS', startLine: 3, endLine: 3 },
      { path: 'textkit/sentences.py', kind: 'function', name: 'split_sentences', startLine: 6, endLine: 17 },
    ]);
    expect(metadata.levels.lines?.samples).toHaveLength(1);
    expect(metadata.levels.lines?.temperature).toBe(0);
    expect(metadata.total.calls).toBe(3);
    expect(metadata.total.usage.inputTokens).toBeGreaterThan(0);
    const expectedCost = (metadata.total.usage.inputTokens * 1 + metadata.total.usage.outputTokens * 2) / 1_000_000;
    expect(metadata.total.costUsd).toBeCloseTo(expectedCost, 10);
    expect(metadata.levels.files.usage.inputTokens + metadata.levels.elements!.usage.inputTokens + metadata.levels.lines!.usage.inputTokens).toBe(metadata.total.usage.inputTokens);
    expect(JSON.parse(JSON.stringify(metadata))).toEqual(metadata);
  });

  it('made three calls at temperature 0 with the system prompt', () => {
    const chats = harness.server.requests.filter((request) => request.protocol === 'openai-chat');
    expect(chats.map(levelOf)).toEqual(['files', 'elements', 'edits']);
    for (const request of chats) {
      expect((request.body as { temperature?: number }).temperature).toBe(0);
      expect(request.messages[0]?.role).toBe('system');
    }
  });
});

describe('samples', () => {
  it('asks level 3 once per sample at the temperature, labels each call with its sample, and merges the spans with votes', async () => {
    harness.server.setHandler(
      scriptedLevels({
        files: [filesAnswer],
        elements: [elementsAnswer],
        edits: ['```\ntextkit/stats.py\nline: 13\n```', '```\ntextkit/stats.py\nlines: 12-13\n\ntextkit/sentences.py\nline: 3\n```', '```\ntextkit/stats.py\nline: 13\n```'],
      }),
    );
    const { pointers, metadata } = await localize({ samples: 3, temperature: 0.7 });
    const edits = harness.server.requests.filter((request) => levelOf(request) === 'edits');
    expect(edits).toHaveLength(3);
    for (const request of edits) expect((request.body as { temperature?: number }).temperature).toBe(0.7);
    const samples = harness.records
      .filter((record) => (record.request as { messages: Array<{ content: string }> }).messages.some((message) => message.content.includes('### Code ###')))
      .map((record) => record.sample);
    expect(samples.sort()).toEqual([0, 1, 2]);
    expect(pointers).toEqual([
      { path: 'textkit/stats.py', startLine: 12, endLine: 13, kind: 'lines', symbol: 'average_word_length', score: 1 },
      { path: 'textkit/sentences.py', startLine: 3, endLine: 3, kind: 'lines', symbol: 'SENTENCE_ENDINGS', score: 1 / 3 },
    ]);
    expect(metadata.levels.lines?.samples.map((sample) => sample.status)).toEqual(['ok', 'ok', 'ok']);
    expect(metadata.total.calls).toBe(5);
  });

  it('keeps the samples that parsed when another sample fails', async () => {
    harness.server.setHandler(scriptedLevels({ files: [filesAnswer], elements: [elementsAnswer], edits: ['```\ntextkit/stats.py\nline: 13\n```', 'no idea', 'still no idea'] }));
    const { pointers, metadata } = await localize({ samples: 2 });
    expect(pointers).toEqual([{ path: 'textkit/stats.py', startLine: 13, endLine: 13, kind: 'lines', symbol: 'average_word_length', score: 1 }]);
    expect(metadata.status).toBe('complete');
    expect(metadata.levels.lines?.samples.map((sample) => sample.status).sort()).toEqual(['failed', 'ok']);
  });
});

describe('made-up paths and names', () => {
  it('matches paths to the closest real file, drops the rest, and records both', async () => {
    harness.server.setHandler(
      scriptedLevels({
        files: ['```\nsrc/textkit/stats.py\ntextkit/sentence.py\ntextkit/summary_engine.py\n```'],
        elements: ['```\ntextkit/stats.py\nfunction: average_word_len\nclass: Summarizer\n\ntextkit/sentence.py\nfunction: split_sentences\n```'],
        edits: ['```\ntextkit/stats.py\nline: 13\nline: 400\n\nlib/other.py\nline: 2\n```'],
      }),
    );
    const { pointers, metadata } = await localize();
    expect(metadata.levels.files.files).toEqual(['textkit/stats.py', 'textkit/sentences.py']);
    expect(metadata.levels.files.corrections).toEqual([
      { named: 'src/textkit/stats.py', path: 'textkit/stats.py', match: 'normalized' },
      { named: 'textkit/sentence.py', path: 'textkit/sentences.py', match: 'closest' },
    ]);
    expect(metadata.levels.files.dropped).toEqual([{ named: 'textkit/summary_engine.py', reason: expect.stringContaining('no such file') }]);
    expect(metadata.levels.elements?.elements).toEqual([
      { path: 'textkit/stats.py', kind: 'function', name: 'average_word_len', matchedAs: 'average_word_length', startLine: 7, endLine: 13 },
      { path: 'textkit/sentences.py', kind: 'function', name: 'split_sentences', startLine: 6, endLine: 17 },
    ]);
    expect(metadata.levels.elements?.dropped.map((drop) => drop.named)).toEqual(['textkit/stats.py: class: Summarizer']);
    expect(metadata.levels.elements?.corrections).toEqual([{ named: 'textkit/sentence.py', path: 'textkit/sentences.py', match: 'closest' }]);
    expect(metadata.levels.lines?.samples[0]?.dropped.map((drop) => drop.reason)).toEqual(['textkit/stats.py has only 22 lines', 'the file is not one of the files shown']);
    expect(pointers).toEqual([{ path: 'textkit/stats.py', startLine: 13, endLine: 13, kind: 'lines', symbol: 'average_word_length', score: 1 }]);
  });

  it('re-asks once when no named path exists, showing what was wrong', async () => {
    harness.server.setHandler(
      scriptedLevels({
        files: ['```\nlib/engine.py\n```', '```\ntextkit/stats.py\n```'],
        elements: ['```\ntextkit/stats.py\nfunction: average_word_length\n```'],
        edits: [editsAnswer],
      }),
    );
    const { metadata } = await localize({ depth: 'elements' });
    expect(metadata.levels.files).toMatchObject({ status: 'ok', calls: 2, files: ['textkit/stats.py'] });
    const reask = harness.server.requests.find((request) => levelOf(request) === 'files' && request.messages.length === 4)!;
    expect(reask.messages[2]).toEqual({ role: 'assistant', content: '```\nlib/engine.py\n```' });
    expect(reask.lastUserMessage).toContain('none of the paths you named exists in the repository (lib/engine.py)');
  });
});

describe('malformed answers', () => {
  it('re-asks once with the parse error and uses the second answer', async () => {
    harness.server.setHandler(scriptedLevels({ files: ['It is probably the statistics module.', filesAnswer], elements: [elementsAnswer], edits: [editsAnswer] }));
    const { metadata, pointers } = await localize();
    expect(metadata.status).toBe('complete');
    expect(metadata.levels.files.calls).toBe(2);
    const reask = harness.server.requests.filter((request) => levelOf(request) === 'files')[1]!;
    expect(reask.messages.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(reask.lastUserMessage).toContain('Your answer could not be used: no file path was found');
    expect(pointers.length).toBe(2);
  });

  it('records a failed level after two unusable answers and returns what the levels before found', async () => {
    harness.server.setHandler(scriptedLevels({ files: [filesAnswer], elements: ['These functions look suspicious.', 'Still prose, no locations.'] }));
    const { metadata, pointers } = await localize();
    expect(metadata.status).toBe('partial');
    expect(metadata.resultLevel).toBe('files');
    expect(metadata.levels.elements).toMatchObject({
      status: 'failed',
      failure: 'unparseable',
      calls: 2,
      failedAnswers: ['These functions look suspicious.', 'Still prose, no locations.'],
    });
    expect(metadata.levels.elements?.error).toContain('no location line was found');
    expect(metadata.levels.lines).toBeUndefined();
    expect(pointers).toEqual([
      { path: 'textkit/stats.py', startLine: 1, endLine: 22, kind: 'file', score: 1 },
      { path: 'textkit/sentences.py', startLine: 1, endLine: 17, kind: 'file', score: 0.5 },
    ]);
  });

  it('returns the elements of level 2 when level 3 answers are unusable', async () => {
    harness.server.setHandler(scriptedLevels({ files: [filesAnswer], elements: [elementsAnswer], edits: ['```\n```', '{"edits": []}'] }));
    const { metadata, pointers } = await localize();
    expect(metadata.status).toBe('partial');
    expect(metadata.resultLevel).toBe('elements');
    expect(metadata.levels.lines).toMatchObject({ status: 'failed', failure: 'unparseable' });
    expect(pointers).toEqual([
      { path: 'textkit/stats.py', startLine: 7, endLine: 13, kind: 'function', symbol: 'average_word_length' },
      { path: 'textkit/sentences.py', startLine: 3, endLine: 3, kind: 'lines', symbol: 'SENTENCE_ENDINGS' },
      { path: 'textkit/sentences.py', startLine: 6, endLine: 17, kind: 'function', symbol: 'split_sentences' },
    ]);
  });

  it('returns an empty localization marked failed when level 1 never gets a usable answer', async () => {
    harness.server.setHandler(scriptedLevels({ files: ['I cannot tell.', 'Really, I cannot tell.'] }));
    const { result, metadata } = await localize();
    expect(result.content).toEqual([]);
    expect(metadata.status).toBe('failed');
    expect(metadata.resultLevel).toBe('none');
    expect(metadata.levels.files).toMatchObject({ status: 'failed', failure: 'unparseable', calls: 2 });
  });
});

describe('a failing endpoint', () => {
  it('fails the stage with a clear error when the first call fails: nothing has been found', async () => {
    harness.server.setHandler(() => serverErrorReply());
    resetServer();
    const localizer = await instantiatePlugin(agentlessPlugin, {}, harness.context);
    const error = await localizer.run(harness.instanceId('sentence-stats')).catch((caught: unknown) => caught);
    expect(AgentlessLocalizationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(harness.instanceId('sentence-stats'));
    expect((error as Error).message).toContain('level "files"');
    expect((error as Error).message).toContain('Check that the model endpoint is reachable');
  });

  it('returns the files of level 1 when level 2 loses its connection', async () => {
    harness.server.setHandler(scriptedLevels({ files: [filesAnswer], elements: [connectionResetReply()] }));
    const { metadata, pointers } = await localize();
    expect(metadata.status).toBe('partial');
    expect(metadata.levels.elements).toMatchObject({ status: 'failed', failure: 'endpoint', calls: 1 });
    expect(pointers.map((pointer) => pointer.path)).toEqual(['textkit/stats.py', 'textkit/sentences.py']);
  });

  it('returns the elements of level 2 when every level-3 sample gets a server error', async () => {
    harness.server.setHandler(scriptedLevels({ files: [filesAnswer], elements: [elementsAnswer], edits: [serverErrorReply(), serverErrorReply()] }));
    const { metadata, pointers } = await localize({ samples: 2 });
    expect(metadata.resultLevel).toBe('elements');
    expect(metadata.levels.lines).toMatchObject({ status: 'failed', failure: 'endpoint', calls: 2 });
    expect(metadata.levels.lines?.error).toContain('500');
    expect(pointers).toHaveLength(3);
  });
});

describe('stopping', () => {
  it('rejects with the abort reason when the run is stopped, instead of recording a failed level', async () => {
    const controller = new AbortController();
    const script = scriptedLevels({ files: [filesAnswer], elements: [elementsAnswer] });
    harness.server.setHandler((request) => {
      if (levelOf(request) === 'elements') controller.abort(new Error('run stopped by the user'));
      return script(request);
    });
    resetServer();
    const localizer = await instantiatePlugin(agentlessPlugin, {}, { ...harness.context, signal: controller.signal });
    await expect(localizer.run(harness.instanceId('sentence-stats'))).rejects.toThrow('run stopped by the user');
    expect(harness.server.requests.filter((request) => levelOf(request) === 'edits')).toHaveLength(0);
  });
});

describe('options', () => {
  it('stops at the depth asked for', async () => {
    harness.server.setHandler(scriptedLevels({ files: [filesAnswer] }));
    const { metadata, pointers } = await localize({ depth: 'files', maxFiles: 1 });
    expect(harness.server.requestCount('openai-chat')).toBe(1);
    expect(metadata.levels.files.files).toEqual(['textkit/stats.py']);
    expect(metadata.levels.files.dropped).toEqual([{ named: 'textkit/sentences.py', reason: 'more than the 1 files asked for' }]);
    expect(pointers).toEqual([{ path: 'textkit/stats.py', startLine: 1, endLine: 22, kind: 'file', score: 1 }]);
  });

  it("shows the issue's hints only with useHints", async () => {
    const hint = 'The numbers are right for a single sentence that ends with a full stop.';
    harness.server.setHandler(scriptedLevels({ files: [filesAnswer] }));
    await localize({ depth: 'files' });
    expect(harness.texts('files').join('\n')).not.toContain(hint);
    harness.server.setHandler(scriptedLevels({ files: [filesAnswer] }));
    await localize({ depth: 'files', useHints: true });
    expect(harness.texts('files')[1]).toContain(`### Comments on the issue ###\n${hint}`);
  });

  it('shows tests and docs in the tree when asked to', async () => {
    harness.server.setHandler(scriptedLevels({ files: ['```\ntests/test_stats.py\n```'] }));
    const { metadata } = await localize({ depth: 'files', excludeTests: false, excludeDocs: false, include: ['**/*'] });
    const question = harness.texts('files')[1]!;
    expect(question).toContain('tests/\n    test_case.py\n    test_stats.py');
    expect(question).toContain('README.md');
    expect(metadata.levels.files.files).toEqual(['tests/test_stats.py']);
  });

  it('renders the result as line-numbered text with output: text, mapping back to the same lines', async () => {
    harness.server.setHandler(scriptedLevels({ files: [filesAnswer], elements: [elementsAnswer], edits: [editsAnswer] }));
    const { result, metadata } = await localize({ output: 'text' });
    expect(typeof result.content).toBe('string');
    expect(result.content).toContain('13 |     return round(letters / len(split_sentences(text)), 1)');
    expect(parseRenderedContext(result.content as string)).toEqual(
      new Map([
        ['textkit/stats.py', new Set([13])],
        ['textkit/sentences.py', new Set([3])],
      ]),
    );
    expect(metadata.rendered).toMatchObject({ lines: 2, omitted: 0 });
  });

  it('refuses a repository where no file matches include, naming the option', async () => {
    resetServer();
    const localizer = await instantiatePlugin(agentlessPlugin, { include: ['**/*.rs'] }, harness.context);
    await expect(localizer.run(harness.instanceId('word-count'))).rejects.toThrow(/include \["\*\*\/\*\.rs"\]/);
    expect(harness.server.requestCount('openai-chat')).toBe(0);
  });

  it('refuses a tree larger than maxPromptTokens before calling the model', async () => {
    resetServer();
    const localizer = await instantiatePlugin(agentlessPlugin, { maxPromptTokens: 50 }, harness.context);
    await expect(localizer.run(harness.instanceId('word-count'))).rejects.toThrow(/more than maxPromptTokens \(50\)/);
    expect(harness.server.requestCount('openai-chat')).toBe(0);
  });

  it('rejects invalid options with the zod issues', async () => {
    await expect(instantiatePlugin(agentlessPlugin, { samples: 0, depth: 'methods', typo: true }, harness.context)).rejects.toThrow(/samples[\s\S]*depth|depth[\s\S]*samples/);
  });
});
