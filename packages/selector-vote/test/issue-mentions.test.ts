import { describe, expect, it } from 'vitest';
import { issueMentionsOf, issueVocabulary, symbolsOfDiff } from '../src/index';

const diff = [
  'diff --git a/src/pkg/query.py b/src/pkg/query.py',
  '--- a/src/pkg/query.py',
  '+++ b/src/pkg/query.py',
  '@@ -10,2 +10,3 @@ class QuerySet:',
  '     def filter(self, *args):',
  '-        return self._filter(args)',
  '+        args = tuple(args)',
  '+        return self._filter(args)',
  '@@ -40,1 +41,1 @@ def _combine(left, right):',
  '-    return left',
  '+    return right',
  'diff --git a/src/pkg/util.py b/src/pkg/util.py',
  '--- a/src/pkg/util.py',
  '+++ b/src/pkg/util.py',
  '@@ -1,1 +1,1 @@',
  '-x = 1',
  '+x = 2',
  '',
].join('\n');

describe('issue mentions (only the issue text and the candidate)', () => {
  it('reads the functions and classes a diff changes from hunk headings and def/class lines', () => {
    expect(symbolsOfDiff(diff)).toEqual(['QuerySet', '_combine', 'filter']);
  });

  it('finds the files an issue names by path, file name or dotted module, and the symbols it names as words', () => {
    expect(issueMentionsOf(diff, issueVocabulary('QuerySet.filter() fails; the bug is in pkg/query.py'))).toEqual({ files: ['src/pkg/query.py'], symbols: ['QuerySet', 'filter'] });
    expect(issueMentionsOf(diff, issueVocabulary('Importing pkg.util raises'))).toEqual({ files: ['src/pkg/util.py'], symbols: [] });
    expect(issueMentionsOf(diff, issueVocabulary('see util.py'))).toEqual({ files: ['src/pkg/util.py'], symbols: [] });
    // A word that is only part of a name is not a mention.
    expect(issueMentionsOf(diff, issueVocabulary('the queries combine badly'))).toEqual({ files: [], symbols: [] });
  });
});
