import { describe, expect, it } from 'vitest';
import { leakedGold } from '../src/testkit/index';

describe('leakedGold', () => {
  const needles = ['return text.split()  # any whitespace', 'test_split_repeated_spaces'];

  it('finds needles in any string of nested requests (messages, raw bodies, arrays)', () => {
    const requests = [
      { rawBody: '{"model":"m"}', messages: [{ role: 'user', content: 'Fix split_words.' }] },
      { rawBody: '{}', messages: [{ role: 'user', content: ['no', { text: 'run test_split_repeated_spaces please' }] }] },
    ];
    expect(leakedGold(requests, needles)).toEqual(['test_split_repeated_spaces']);
  });

  it('finds nothing in clean requests, and does not join strings into a false match', () => {
    expect(leakedGold([{ content: 'Fix split_words.' }], needles)).toEqual([]);
    // Two strings that only together spell a needle are not a leak.
    expect(leakedGold([{ a: 'test_split_rep', b: 'eated_spaces' }], needles)).toEqual([]);
  });

  it('leaves out needles found in the allowed text (what the model wrote itself, the candidates given)', () => {
    const requests = [{ content: 'Your earlier edit: return text.split()  # any whitespace' }];
    expect(leakedGold(requests, needles)).toEqual(['return text.split()  # any whitespace']);
    expect(leakedGold(requests, needles, 'return text.split()  # any whitespace')).toEqual([]);
  });

  it('survives cyclic request objects', () => {
    const request: Record<string, unknown> = { content: 'clean' };
    request.self = request;
    expect(leakedGold([request], needles)).toEqual([]);
  });
});
