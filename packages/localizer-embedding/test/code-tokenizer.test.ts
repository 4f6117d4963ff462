import { describe, expect, it } from 'vitest';
import { createCodeTokenizer, splitIdentifier } from '../src/index';

describe('splitIdentifier', () => {
  it.each([
    ['getQuerySet', ['get', 'Query', 'Set']],
    ['get_query_set', ['get', 'query', 'set']],
    ['HTTPResponseRedirect', ['HTTP', 'Response', 'Redirect']],
    ['utf8Decode', ['utf8', 'Decode']],
    ['__init__', ['init']],
    ['URL', ['URL']],
  ])('%s', (identifier, words) => {
    expect(splitIdentifier(identifier)).toEqual(words);
  });
});

describe('code tokenizer', () => {
  const tokenizer = createCodeTokenizer({ stem: true });

  it('splits identifiers into stemmed words and keeps compounds whole', () => {
    expect(tokenizer.tokenize('def get_queryset(self, ordering):')).toEqual(['queryset', 'getqueryset', 'order']); // "get" is a stop word
    expect(tokenizer.tokenize('QuerySet.order_by()')).toEqual(['queri', 'set', 'queryset', 'order', 'orderby']);
  });

  it('matches camelCase, snake_case and prose forms of the same words', () => {
    const prose = new Set(tokenizer.tokenize('the queries are ordered by date'));
    for (const term of ['queri', 'order', 'date']) expect(prose.has(term)).toBe(true);
    expect(tokenizer.tokenize('orderedByDate')).toEqual(expect.arrayContaining(['order', 'date']));
    expect(tokenizer.tokenize('order_by')).toEqual(tokenizer.tokenize('orderBy'));
  });

  it('drops English stop words, Python noise words and numbers, and tokenizes paths', () => {
    expect(tokenizer.tokenize('if self is None and the value of kwargs 42')).toEqual(['none', 'valu']);
    expect(tokenizer.tokenize('django/db/models/query.py')).toEqual(['django', 'db', 'model', 'queri']);
  });

  it('can leave words unstemmed', () => {
    expect(createCodeTokenizer({ stem: false }).tokenize('ordering queries')).toEqual(['ordering', 'queries']);
  });
});
