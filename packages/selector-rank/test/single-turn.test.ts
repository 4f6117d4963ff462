import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { errorReply, queueHandler, textReply } from '@codemonkeys/llm/testing';
import type { Patch } from '@codemonkeys/protocol';
import type { RankSelectionMetadata } from '../src/index';
import { createRankHarness, type RankHarness } from './support/rank-harness';

let harness: RankHarness;
let c: Record<string, Patch>;
beforeAll(async () => {
  harness = await createRankHarness();
  c = await harness.candidates();
});
afterAll(() => harness?.close());
beforeEach(() => harness.server.reset());

const selectionOf = (patch: Patch): RankSelectionMetadata => patch.metadata.selection as RankSelectionMetadata;
const script = (...replies: Parameters<typeof queueHandler>[0]) => harness.server.setHandler(queueHandler(replies));

describe('single-turn ranking (no sandbox)', () => {
  it('returns the candidate the model names, shows the issue and every distinct diff, and records tokens and cost', async () => {
    script(textReply('Candidate 2 splits on any whitespace run, which is what the issue needs.\n<choice>2</choice>', { usage: { promptTokens: 900, completionTokens: 40 } }));
    const selector = await harness.selector();
    const chosen = await selector.run([c.regression!, c.fixPlain!, c.noFix!], harness.instanceId);
    expect(chosen.metadata.name).toBe('fixPlain');
    const selection = selectionOf(chosen);
    expect(selection).toMatchObject({ decidedBy: 'model', mode: 'single-turn', chosen: 1, compared: [0, 1, 2], modelCalls: 1, tokens: { input: 900, output: 40 } });
    expect(selection.costUsd).toBeCloseTo((900 * 1 + 40 * 2) / 1e6, 12);
    expect(selection.reasoning).toContain('any whitespace run');
    const [prompt] = harness.prompts();
    expect(prompt).toContain('Word counts are too high for pasted text');
    for (const number of [1, 2, 3]) expect(prompt).toContain(`### Candidate ${number} ###`);
    expect(prompt).toContain('+    return text.split()');
    await harness.model.flush();
    expect(harness.records.at(-1)).toMatchObject({ status: 'ok' });
  });

  it('asks again after an answer that names no candidate, and takes the second answer', async () => {
    script('Both candidates change split_words; it is hard to say.', 'Then: <choice>1</choice>');
    const chosen = await (await harness.selector()).run([c.fixPlain!, c.regression!], harness.instanceId);
    expect(chosen.metadata.name).toBe('fixPlain');
    expect(selectionOf(chosen)).toMatchObject({ decidedBy: 'model', modelCalls: 2 });
    const second = harness.server.requests[1]!;
    expect(second.messages.at(-2)).toMatchObject({ role: 'assistant', content: 'Both candidates change split_words; it is hard to say.' });
    expect(second.lastUserMessage).toContain('names no candidate');
  });

  it('asks again after an out-of-range choice, saying which numbers exist', async () => {
    script('<choice>7</choice>', '<choice>2</choice>');
    const chosen = await (await harness.selector()).run([c.regression!, c.fixPlain!], harness.instanceId);
    expect(chosen.metadata.name).toBe('fixPlain');
    expect(harness.server.requests[1]!.lastUserMessage).toContain('numbered 1 to 2');
  });

  it('falls back to the vote winner, with the reason, after two unusable answers', async () => {
    script('<choice>0</choice>', 'I really cannot decide.');
    // Two identical copies of the regression: with no test vote, the most copies win the vote.
    const chosen = await (await harness.selector()).run([c.fixPlain!, c.regression!, c.regression!], harness.instanceId);
    const selection = selectionOf(chosen);
    expect(chosen.metadata.name).toBe('regression');
    expect(selection.decidedBy).toBe('vote-fallback');
    expect(selection.fallbackReason).toMatch(/no usable choice after asking again: .*names no candidate/);
    expect(selection.reasoning).toContain('2 identical candidate(s)');
    expect(selection.modelCalls).toBe(2);
  });

  it('falls back to the vote winner when the model endpoint fails, without throwing', async () => {
    script(errorReply(500, { message: 'overloaded' }));
    const chosen = await (await harness.selector()).run([c.fixPlain!, c.regression!], harness.instanceId);
    expect(selectionOf(chosen)).toMatchObject({ decidedBy: 'vote-fallback', fallbackReason: expect.stringContaining('the model call failed') });
    expect(chosen.metadata.name).toBe('fixPlain');
  });

  it('shows identical candidates once and leaves empty candidates out; one distinct candidate needs no model', async () => {
    script('<choice>2</choice>');
    const chosen = await (await harness.selector()).run([c.empty!, c.fixPlain!, c.regression!, c.fixPlain!], harness.instanceId);
    expect(chosen.metadata.name).toBe('regression');
    const selection = selectionOf(chosen);
    expect(selection.compared).toEqual([1, 2]);
    expect(selection.contenders[1]).toMatchObject({ members: [1, 3] });
    expect(harness.prompts()[0]).toContain('### Candidate 1 (also written, identically, by 1 other sample) ###');
    harness.server.reset();
    const only = await (await harness.selector()).run([c.empty!, c.fixPlain!, c.fixPlain!], harness.instanceId);
    expect(selectionOf(only)).toMatchObject({ decidedBy: 'only-candidate', modelCalls: 0, chosen: 1 });
    expect(harness.server.requestCount()).toBe(0);
  });

  it('compares in pairwise tournament rounds when the candidates do not fit the prompt budget', async () => {
    // Four distinct candidates; each pair fits, all four do not.
    const extra = {
      ...c.noFix!,
      diff: c.noFix!.diff.replace('[word for word in', '[w for w in').replace('text.split(WORD_SEPARATOR)]', 'text.split(WORD_SEPARATOR) if True]'),
      metadata: { name: 'noFix2' },
    };
    const patches = [c.regression!, c.noFix!, c.fixPlain!, extra];
    script('<choice>1</choice>', '<choice>2</choice>', '<choice>2</choice>');
    const selector = await harness.selector({ maxPromptTokens: 700 });
    const chosen = await selector.run(patches, harness.instanceId);
    const selection = selectionOf(chosen);
    expect(selection.tournament).toHaveLength(3);
    expect(selection.tournament!.map((match) => match.round)).toEqual([1, 1, 2]);
    expect(selection.tournament!.every((match) => match.contenders.length === 2)).toBe(true);
    expect(harness.server.requestCount()).toBe(3);
    // Round 1: (0 vs 1) → 0, (2 vs 3) → 3; final (0 vs 3) → 3.
    expect(selection.tournament!.map((match) => match.winner)).toEqual([0, 3, 3]);
    expect(chosen.metadata.name).toBe('noFix2');
    expect(selection.notes.join(' ')).toContain('tournament in groups of 2');
    for (const prompt of harness.prompts()) expect(prompt.match(/### Candidate \d ###/g)).toHaveLength(2);
  });

  it('refuses unknown options with the zod issues', async () => {
    await expect(harness.selector({ mode: 'tournament' } as never)).rejects.toThrow(/mode/);
    await expect(harness.selector({ maxAtempts: 2 } as never)).rejects.toThrow(/maxAtempts/);
  });
});
