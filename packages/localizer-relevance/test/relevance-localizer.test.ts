import { getEventListeners } from 'node:events';
import { CodePointerSchema, createInMemorySequenceStorage, instantiatePlugin, type CodePointer, type PluginContext } from '@codemonkeys/protocol';
import { goldNeedlesOf } from '@codemonkeys/protocol/testkit';
import { serverErrorReply, textReply } from '@codemonkeys/llm/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RelevanceLocalizationError, relevancePlugin, type RelevanceMetadata, type RelevanceOptionsInput } from '../src/index';
import {
  callKindOf,
  createRelevanceHarness,
  judgeModelName,
  judgedPathOf,
  notRelevant,
  rankerModelName,
  rankingReply,
  relevanceHandler,
  relevant,
  type RelevanceHarness,
} from './support/relevance-harness';

const summaries: Record<string, string> = {
  'textkit/stats.py': 'average_word_length divides the letters by the number of sentences; summarize reports it.',
  'textkit/sentences.py': 'split_sentences ends sentences only at SENTENCE_ENDINGS.',
  'textkit/words.py': 'split_words is used to count words.',
};
const judge = (path: string): string => (summaries[path] ? relevant(summaries[path]!) : notRelevant);
const threeRankings = [
  rankingReply(['textkit/stats.py', 'textkit/sentences.py', 'textkit/words.py']),
  rankingReply(['textkit/sentences.py', 'textkit/stats.py']),
  rankingReply(['textkit/stats.py', 'textkit/words.py', 'textkit/sentences.py']),
];

let harness: RelevanceHarness;
beforeAll(async () => {
  harness = await createRelevanceHarness({ latencyMs: 15 });
});
afterAll(async () => {
  await harness.close();
});

async function localize(options: RelevanceOptionsInput = {}, context: PluginContext = harness.createContext()) {
  harness.server.reset();
  harness.records.length = 0;
  const localizer = await instantiatePlugin(relevancePlugin, options, context);
  const result = await localizer.run(harness.instanceId('sentence-stats'));
  for (const model of [context.modelFor('judge'), context.modelFor('ranker')]) await (model as unknown as { flush(): Promise<void> }).flush();
  return { result, metadata: result.metadata as unknown as RelevanceMetadata, pointers: typeof result.content === 'string' ? [] : (result.content as CodePointer[]) };
}

const chats = () => harness.server.requests.filter((request) => request.protocol === 'openai-chat');

describe('judgments, rankings and the budget on a fixture repository', () => {
  let outcome: Awaited<ReturnType<typeof localize>>;
  let requests: ReturnType<typeof chats>;
  beforeAll(async () => {
    harness.server.setHandler(relevanceHandler({ judge, rankings: threeRankings }));
    outcome = await localize();
    requests = chats();
  });

  it('judges every candidate source file once with the cheap model, tests and docs left out', () => {
    const judged = requests.filter((request) => callKindOf(request) === 'judge');
    expect(judged.map(judgedPathOf).sort()).toEqual([
      'textkit/__init__.py',
      'textkit/case.py',
      'textkit/punctuation.py',
      'textkit/sentences.py',
      'textkit/stats.py',
      'textkit/words.py',
    ]);
    for (const request of judged) expect(request.model).toBe(judgeModelName);
    const stats = judged.find((request) => judgedPathOf(request) === 'textkit/stats.py')!;
    expect(stats.lastUserMessage).toContain('summarize() gives strange numbers for dialogue');
    expect(stats.lastUserMessage).toContain('    return round(letters / len(split_sentences(text)), 1)');
    expect(stats.lastUserMessage).not.toContain('def split_sentences(text):');
  });

  it('asks the stronger model for three rankings of the relevant files only, with their summaries and token counts', () => {
    const ranked = requests.filter((request) => callKindOf(request) === 'rank');
    expect(ranked).toHaveLength(3);
    for (const request of ranked) {
      expect(request.model).toBe(rankerModelName);
      expect((request.body as { temperature: number }).temperature).toBe(0.7);
      expect(request.lastUserMessage).toContain(
        `File: textkit/stats.py\nTokens: ${outcome.metadata.ranked.find((file) => file.path === 'textkit/stats.py')!.tokens}\nSummary: ${summaries['textkit/stats.py']}`,
      );
      expect(request.lastUserMessage).not.toContain('textkit/case.py');
      expect(request.messages[0]!.content).toContain('budget of 128000 tokens');
    }
    const samples = harness.records.filter((record) => record.model === rankerModelName).map((record) => record.sample);
    expect(samples.sort()).toEqual([0, 1, 2]);
  });

  it('sends no gold data', async () => {
    const instance = harness.fixture.instance('sentence-stats');
    const needles = await goldNeedlesOf(instance, await harness.createContext().workspace(instance.instanceId));
    expect(needles.length).toBeGreaterThan(3);
    const sent = requests.map((request) => request.rawBody + request.messages.map((message) => message.content).join('\n')).join('\n');
    for (const needle of needles) expect(sent).not.toContain(needle);
  });

  it('merges the rankings by mean relative rank (a file missing from a ranking counts last)', () => {
    expect(outcome.metadata.order).toBe('merged');
    expect(outcome.metadata.ranked.map(({ path, meanRelativeRank, listedIn }) => ({ path, meanRelativeRank, listedIn }))).toEqual([
      { path: 'textkit/stats.py', meanRelativeRank: expect.closeTo((0 + 1 / 2 + 0) / 3, 10), listedIn: 3 },
      { path: 'textkit/sentences.py', meanRelativeRank: expect.closeTo((1 / 3 + 0 + 2 / 3) / 3, 10), listedIn: 3 },
      { path: 'textkit/words.py', meanRelativeRank: expect.closeTo((2 / 3 + 1 + 1 / 3) / 3, 10), listedIn: 2 },
    ]);
  });

  it('returns the whole files in rank order as valid pointers', () => {
    expect(outcome.pointers.map(({ path, startLine, endLine, kind }) => ({ path, startLine, endLine, kind }))).toEqual([
      { path: 'textkit/stats.py', startLine: 1, endLine: 22, kind: 'file' },
      { path: 'textkit/sentences.py', startLine: 1, endLine: 17, kind: 'file' },
      { path: 'textkit/words.py', startLine: 1, endLine: 22, kind: 'file' },
    ]);
    for (const pointer of outcome.pointers) expect(CodePointerSchema.safeParse(pointer).success).toBe(true);
  });

  it('records counts, tokens, costs of both models and the prompt version', () => {
    const { metadata } = outcome;
    expect(metadata.promptVersion).toBe('relevance-prompts-1');
    expect(metadata.status).toBe('complete');
    expect(metadata.counts).toEqual({ relevant: 3, irrelevant: 3, failed: 0, skipped: 0, cached: 0 });
    expect(metadata.judge.model).toBe(judgeModelName);
    expect(metadata.ranker.model).toBe(rankerModelName);
    expect(metadata.total.judge.calls).toBe(6);
    expect(metadata.total.ranker.calls).toBe(3);
    const judgeCost = (metadata.total.judge.usage.inputTokens * 0.1 + metadata.total.judge.usage.outputTokens * 0.4) / 1e6;
    expect(metadata.total.judge.costUsd).toBeCloseTo(judgeCost, 12);
    expect(metadata.total.costUsd).toBeCloseTo(judgeCost + (metadata.total.ranker.usage.inputTokens * 3 + metadata.total.ranker.usage.outputTokens * 15) / 1e6, 12);
    expect(metadata.context.tokens).toBe(metadata.ranked.reduce((sum, file) => sum + file.tokens, 0));
    expect(metadata.judgments.find((judgment) => judgment.path === 'textkit/stats.py')).toMatchObject({
      status: 'relevant',
      summary: summaries['textkit/stats.py'],
      cached: false,
      calls: 1,
    });
    expect(JSON.parse(JSON.stringify(metadata))).toEqual(metadata);
  });
});

describe('the token budget', () => {
  it('adds whole files in rank order while they fit, skipping a file too large for what is left', async () => {
    harness.server.setHandler(relevanceHandler({ judge, rankings: threeRankings }));
    const full = await localize();
    const tokens = Object.fromEntries(full.metadata.ranked.map((file) => [file.path, file.tokens]));
    const smaller = tokens['textkit/sentences.py']! < tokens['textkit/words.py']! ? 'textkit/sentences.py' : 'textkit/words.py';
    const larger = smaller === 'textkit/sentences.py' ? 'textkit/words.py' : 'textkit/sentences.py';
    const budget = tokens['textkit/stats.py']! + tokens[smaller]!;

    harness.server.setHandler(relevanceHandler({ judge, rankings: threeRankings }));
    const { metadata, pointers } = await localize({ tokenBudget: budget });
    expect(pointers.map((pointer) => pointer.path)).toEqual(['textkit/stats.py', smaller]);
    expect(metadata.context).toEqual({ tokenBudget: budget, tokens: budget, files: 2, filesOverBudget: [larger] });
    expect(metadata.ranked.find((file) => file.path === larger)?.included).toBe(false);
  });
});

describe('concurrency', () => {
  it('keeps judgment calls in flight together, within the client endpoint limit', async () => {
    harness.server.setHandler(relevanceHandler({ judge, rankings: threeRankings }));
    await localize({ rankings: 1 }, harness.createContext({ judgeLimits: { maxConcurrent: 2 } }));
    expect(harness.server.maxActiveRequests).toBe(2);
  });

  it('keeps judgment calls in flight together, within its own concurrency option', async () => {
    harness.server.setHandler(relevanceHandler({ judge, rankings: threeRankings }));
    await localize({ concurrency: 4, rankings: 1 });
    expect(harness.server.maxActiveRequests).toBe(4);
  });
});

describe('the judgment cache', () => {
  it('makes zero calls on a rerun, and on a second localizer instance sharing the storage', async () => {
    const storage = createInMemorySequenceStorage();
    harness.server.setHandler(relevanceHandler({ judge, rankings: threeRankings }));
    const first = await localize({}, harness.createContext({ storage }));
    expect(harness.server.requestCount('openai-chat')).toBe(9);

    harness.server.setHandler(relevanceHandler({ judge: () => serverErrorReply() }));
    const rerun = await localize({}, harness.createContext({ storage }));
    expect(harness.server.requestCount('openai-chat')).toBe(0);
    expect(rerun.metadata.counts.cached).toBe(6);
    expect(rerun.metadata.rankings.map((ranking) => ranking.status)).toEqual(['cached', 'cached', 'cached']);
    expect(rerun.metadata.total.calls).toBe(0);
    expect(rerun.pointers).toEqual(first.pointers);

    const secondContext = harness.createContext({ storage });
    const again = await localize({ concurrency: 1 }, secondContext);
    expect(harness.server.requestCount('openai-chat')).toBe(0);
    expect(again.pointers).toEqual(first.pointers);
  });

  it('asks again when caching is off', async () => {
    const storage = createInMemorySequenceStorage();
    harness.server.setHandler(relevanceHandler({ judge, rankings: [...threeRankings, ...threeRankings] }));
    await localize({ cache: false }, harness.createContext({ storage }));
    await localize({ cache: false }, harness.createContext({ storage }));
    expect(harness.server.requestCount('openai-chat')).toBe(9);
  });
});

describe('malformed answers and made-up paths', () => {
  it('re-asks a judgment once with the parse error and uses the second answer', async () => {
    harness.server.setHandler(
      relevanceHandler({ judge: (path, attempt) => (path === 'textkit/stats.py' && attempt === 0 ? 'It is relevant, I think.' : judge(path)), rankings: threeRankings }),
    );
    const { metadata } = await localize();
    expect(metadata.judgments.find((judgment) => judgment.path === 'textkit/stats.py')).toMatchObject({ status: 'relevant', calls: 2 });
    const reask = chats().find((request) => judgedPathOf(request) === 'textkit/stats.py' && request.messages.length === 4)!;
    expect(reask.messages[2]).toEqual({ role: 'assistant', content: 'It is relevant, I think.' });
    expect(reask.lastUserMessage).toContain('Your answer could not be used: it has no line "RELEVANCE: Relevant"');
    expect(metadata.status).toBe('complete');
  });

  it('records a judgment that stays unusable as failed, leaves the file out, and never caches it', async () => {
    const storage = createInMemorySequenceStorage();
    harness.server.setHandler(relevanceHandler({ judge: (path) => (path === 'textkit/words.py' ? 'RELEVANCE: Relevant' : judge(path)), rankings: threeRankings }));
    const { metadata, pointers } = await localize({}, harness.createContext({ storage }));
    expect(metadata.status).toBe('partial');
    expect(metadata.judgments.find((judgment) => judgment.path === 'textkit/words.py')).toMatchObject({
      status: 'failed',
      failure: 'unparseable',
      calls: 2,
      error: expect.stringContaining('no "SUMMARY:" line'),
    });
    expect(metadata.counts.failed).toBe(1);
    expect(pointers.map((pointer) => pointer.path)).toEqual(['textkit/stats.py', 'textkit/sentences.py']);

    harness.server.setHandler(relevanceHandler({ judge, rankings: threeRankings }));
    await localize({}, harness.createContext({ storage }));
    expect(
      chats()
        .filter((request) => callKindOf(request) === 'judge')
        .map(judgedPathOf),
    ).toEqual(['textkit/words.py']);
  });

  it('matches misspelt ranking paths, drops the others, and merges the rankings that parsed', async () => {
    // First answers in order of arrival: a misspelt list, prose, a good list; every re-ask gets prose again.
    const firstAnswers = [
      rankingReply(['textkit/sentence.py', './textkit/stats.py', 'textkit/engine.py']),
      'I would rank stats first.',
      rankingReply(['textkit/stats.py', 'textkit/sentences.py', 'textkit/words.py']),
    ];
    harness.server.setHandler(relevanceHandler({ judge, rank: (attempt) => (attempt === 0 ? firstAnswers.shift()! : 'Still no list.') }));
    const { metadata } = await localize({ rankings: 3 });
    expect(metadata.rankings.map((ranking) => ranking.status).sort()).toEqual(['failed', 'ok', 'ok']);
    const corrected = metadata.rankings.find((ranking) => ranking.corrections.length > 0)!;
    expect(corrected.ranking).toEqual(['textkit/sentences.py', 'textkit/stats.py']);
    expect(corrected.corrections).toEqual([
      { named: 'textkit/sentence.py', path: 'textkit/sentences.py', match: 'closest' },
      { named: './textkit/stats.py', path: 'textkit/stats.py', match: 'normalized' },
    ]);
    expect(corrected.dropped).toEqual([{ named: 'textkit/engine.py', reason: 'not one of the relevant files listed' }]);
    const failed = metadata.rankings.find((ranking) => ranking.status === 'failed')!;
    expect(failed).toMatchObject({ failure: 'unparseable', calls: 2, error: expect.stringContaining('no JSON list of paths') });
    const reask = chats().find((request) => callKindOf(request) === 'rank' && request.messages.length === 4)!;
    expect(reask.messages[2]).toEqual({ role: 'assistant', content: 'I would rank stats first.' });
    expect(metadata.order).toBe('merged');
    // stats: (1/2 + 0) / 2, sentences: (0 + 1/3) / 2, words: (1 + 2/3) / 2
    expect(metadata.ranked.map((file) => file.path)).toEqual(['textkit/sentences.py', 'textkit/stats.py', 'textkit/words.py']);
  });
});

describe('a failing endpoint', () => {
  it('fails the stage with a clear error when every judgment call fails', async () => {
    harness.server.setHandler(() => serverErrorReply());
    const error = await localize().catch((caught: unknown) => caught);
    expect(RelevanceLocalizationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/all 6 judgment calls failed/);
    expect((error as Error).message).toContain(harness.instanceId('sentence-stats'));
  });

  it('leaves out the files whose judgment calls fail and keeps the rest', async () => {
    harness.server.setHandler(relevanceHandler({ judge: (path) => (path === 'textkit/sentences.py' ? serverErrorReply() : judge(path)), rankings: threeRankings }));
    const { metadata, pointers } = await localize();
    expect(metadata.judgments.find((judgment) => judgment.path === 'textkit/sentences.py')).toMatchObject({ status: 'failed', failure: 'endpoint' });
    expect(pointers.map((pointer) => pointer.path)).toEqual(['textkit/stats.py', 'textkit/words.py']);
    expect(metadata.status).toBe('partial');
  });

  it('keeps path order when every ranking call fails', async () => {
    harness.server.setHandler(relevanceHandler({ judge, rankings: [serverErrorReply(), serverErrorReply(), serverErrorReply()] }));
    const { metadata, pointers } = await localize();
    expect(metadata.order).toBe('path-order');
    expect(metadata.status).toBe('partial');
    expect(metadata.rankings.every((ranking) => ranking.status === 'failed' && ranking.failure === 'endpoint')).toBe(true);
    expect(pointers.map((pointer) => pointer.path)).toEqual(['textkit/sentences.py', 'textkit/stats.py', 'textkit/words.py']);
  });
});

describe('stopping', () => {
  it('leaves no listener on the context signal after a run', async () => {
    const controller = new AbortController();
    harness.server.setHandler(relevanceHandler({ judge, rankings: threeRankings }));
    await localize({}, harness.createContext({ signal: controller.signal }));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rejects with the abort reason when the run is stopped, instead of recording failed judgments', async () => {
    const controller = new AbortController();
    harness.server.setHandler((request) => {
      if (callKindOf(request) === 'judge') controller.abort(new Error('run stopped by the user'));
      return relevanceHandler({ judge, rankings: threeRankings })(request);
    });
    await expect(localize({ concurrency: 1 }, harness.createContext({ signal: controller.signal }))).rejects.toThrow('run stopped by the user');
    expect(chats().filter((request) => callKindOf(request) === 'rank')).toHaveLength(0);
  });
});

describe('options', () => {
  it('skips files over maxFileBytes without a call and records them', async () => {
    harness.server.setHandler(relevanceHandler({ judge, rankings: [rankingReply(['textkit/sentences.py', 'textkit/words.py'])] }));
    const { metadata, pointers } = await localize({ maxFileBytes: 600, rankings: 1 });
    const skipped = metadata.judgments.filter((judgment) => judgment.status === 'skipped');
    expect(skipped.map(({ path, bytes, error }) => ({ path, bytes, error }))).toEqual([
      { path: 'textkit/punctuation.py', bytes: 636, error: 'larger than maxFileBytes (600)' },
      { path: 'textkit/stats.py', bytes: 655, error: 'larger than maxFileBytes (600)' },
    ]);
    expect(metadata.counts.skipped).toBe(2);
    expect(pointers.map((pointer) => pointer.path)).toEqual(['textkit/sentences.py', 'textkit/words.py']);
    const judged = chats()
      .filter((request) => callKindOf(request) === 'judge')
      .map(judgedPathOf);
    for (const judgment of skipped) expect(judged).not.toContain(judgment.path);
  });

  it("shows the issue's hints only with useHints, and does not reuse judgments made without them", async () => {
    const hint = 'The numbers are right for a single sentence that ends with a full stop.';
    const storage = createInMemorySequenceStorage();
    harness.server.setHandler(relevanceHandler({ judge, rankings: threeRankings }));
    await localize({}, harness.createContext({ storage }));
    expect(chats().some((request) => request.rawBody.includes('single sentence that ends'))).toBe(false);
    harness.server.setHandler(relevanceHandler({ judge, rankings: threeRankings }));
    await localize({ useHints: true }, harness.createContext({ storage }));
    const judged = chats().filter((request) => callKindOf(request) === 'judge');
    expect(judged).toHaveLength(6);
    for (const request of judged) expect(request.lastUserMessage).toContain(`Comments on the issue:\n${hint}`);
  });

  it('makes no ranking call when only one file is relevant', async () => {
    harness.server.setHandler(relevanceHandler({ judge: (path) => (path === 'textkit/stats.py' ? relevant('the average') : notRelevant) }));
    const { metadata, pointers } = await localize();
    expect(metadata.order).toBe('single-file');
    expect(chats().filter((request) => callKindOf(request) === 'rank')).toHaveLength(0);
    expect(pointers.map((pointer) => pointer.path)).toEqual(['textkit/stats.py']);
  });

  it('returns an empty context when nothing is relevant', async () => {
    harness.server.setHandler(relevanceHandler({ judge: () => textReply(notRelevant) }));
    const { metadata, result } = await localize();
    expect(result.content).toEqual([]);
    expect(metadata.order).toBe('none');
    expect(metadata.counts.relevant).toBe(0);
  });

  it('renders the chosen files as line-numbered text within the budget with output: text', async () => {
    harness.server.setHandler(relevanceHandler({ judge, rankings: threeRankings }));
    const { result, metadata } = await localize({ output: 'text' });
    expect(typeof result.content).toBe('string');
    const text = result.content as string;
    expect(text.indexOf('[start of textkit/stats.py]')).toBeLessThan(text.indexOf('[start of textkit/sentences.py]'));
    expect(text).toContain('13 |     return round(letters / len(split_sentences(text)), 1)');
    expect(metadata.rendered!.tokens).toBeLessThanOrEqual(128_000);
    expect(metadata.rendered!.lines).toBe(22 + 17 + 22);
  });

  it('rejects invalid options with the zod issues', async () => {
    await expect(instantiatePlugin(relevancePlugin, { rankings: 0, tokenBudget: -1 }, harness.createContext())).rejects.toThrow(
      /rankings[\s\S]*tokenBudget|tokenBudget[\s\S]*rankings/,
    );
  });
});
