import { createRepositoryPathResolver } from '@codemonkeys/plugin-kit';
import { distance } from 'fastest-levenshtein';
import { describe, expect, it } from 'vitest';
import { judgmentCacheKey, mergeRankings, rankingCacheKey, UnparseableAnswerError } from '../src/index';
import { parseJudgment } from '../src/judgment-answer';
import { parseRanking } from '../src/ranking-answer';

describe('judgments', () => {
  it('reads the last decision and the summary after it', () => {
    expect(parseJudgment('Maybe RELEVANCE: Not Relevant at first...\n\n**RELEVANCE:** Relevant\n**SUMMARY:** Parses headers;\nused by `Reader.read`.')).toEqual({
      relevant: true,
      summary: 'Parses headers;\nused by `Reader.read`.',
    });
    expect(parseJudgment('thoughts\nRELEVANCE: Not Relevant')).toEqual({ relevant: false });
    expect(parseJudgment('relevance: irrelevant')).toEqual({ relevant: false });
  });

  it('throws UnparseableAnswerError without a decision or without the summary of a relevant file', () => {
    expect(() => parseJudgment('This file is relevant.')).toThrow(UnparseableAnswerError);
    expect(() => parseJudgment('RELEVANCE: Relevant\n')).toThrow(/no "SUMMARY:" line/);
    expect(() => parseJudgment('RELEVANCE: Relevant\nSUMMARY:   ')).toThrow(UnparseableAnswerError);
  });
});

describe('rankings', () => {
  const resolver = createRepositoryPathResolver(['pkg/a.py', 'pkg/b.py', 'pkg/sub/c.py'], { distance });

  it('reads the last JSON list, in a fenced block or bare, without duplicates', () => {
    expect(parseRanking('first try ["pkg/b.py"]\n```json\n["pkg/a.py", "pkg/a.py", "sub/c.py"]\n```', resolver).ranking).toEqual(['pkg/a.py', 'pkg/sub/c.py']);
    expect(parseRanking('My final ranking: ["pkg/b.py", "pkg/a.py"] done.', resolver).ranking).toEqual(['pkg/b.py', 'pkg/a.py']);
    expect(parseRanking('```\n[\n"pkg/b.py",\n]\n```\n["pkg/a.py"]', resolver).ranking).toEqual(['pkg/a.py']);
  });

  it('throws UnparseableAnswerError without a list or when no path is a relevant file', () => {
    expect(() => parseRanking('a, then b', resolver)).toThrow(/no JSON list of paths/);
    expect(() => parseRanking('[1, 2]', resolver)).toThrow(UnparseableAnswerError);
    expect(() => parseRanking('["lib/z.rs"]', resolver)).toThrow(/none of the paths in your list/);
  });
});

describe('mergeRankings', () => {
  it('orders by mean relative rank; a file a ranking leaves out counts 1 there', () => {
    const merged = mergeRankings(
      ['a', 'b', 'c', 'd'],
      [
        ['a', 'b', 'c'],
        ['b', 'a'],
        ['b', 'c', 'a', 'd'],
      ],
    );
    expect(merged.map((rank) => rank.path)).toEqual(['b', 'a', 'c', 'd']);
    expect(merged[0]).toEqual({ path: 'b', meanRelativeRank: (1 / 3 + 0 + 0) / 3, listedIn: 3 });
    expect(merged[3]).toEqual({ path: 'd', meanRelativeRank: (1 + 1 + 3 / 4) / 3, listedIn: 1 });
  });

  it('breaks ties by how many rankings list a file, then by the given order', () => {
    expect(mergeRankings(['x', 'y', 'z'], [['y'], ['x']]).map((rank) => rank.path)).toEqual(['x', 'y', 'z']);
    expect(mergeRankings(['x', 'y'], []).map((rank) => rank.meanRelativeRank)).toEqual([1, 1]);
  });
});

describe('cache keys', () => {
  const parts = { promptVersion: 'v1', model: 'judge', problemStatement: 'issue', hintsText: '', path: 'a.py', content: 'x = 1\n' };
  it('change with the prompt version, the model, the issue, the path and the content, and only with them', () => {
    const key = judgmentCacheKey(parts);
    expect(judgmentCacheKey({ ...parts })).toBe(key);
    for (const change of [{ promptVersion: 'v2' }, { model: 'other' }, { problemStatement: 'other issue' }, { hintsText: 'hint' }, { path: 'b.py' }, { content: 'x = 2\n' }]) {
      expect(judgmentCacheKey({ ...parts, ...change })).not.toBe(key);
    }
    expect(key).toMatch(/^localizer-relevance\/judgment\/v1\/[0-9a-f]{64}$/);
  });

  it('key rankings by sample and temperature too', () => {
    const ranking = { promptVersion: 'v1', model: 'ranker', prompt: 'p', sample: 0, temperature: 0.7 };
    expect(rankingCacheKey({ ...ranking, sample: 1 })).not.toBe(rankingCacheKey(ranking));
    expect(rankingCacheKey({ ...ranking, temperature: 0 })).not.toBe(rankingCacheKey(ranking));
  });
});
