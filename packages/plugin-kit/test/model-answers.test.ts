import { describe, expect, it } from 'vitest';
import {
  addExchangeCost,
  askAndParse,
  cleanModelNamedPath,
  createRepositoryPathResolver,
  createSourceFileFilter,
  emptyExchangeCost,
  fencedBlocks,
  fencedCodeBlocks,
  followSignal,
  withFollowedSignal,
} from '../src/index';
import { ModelCallError, UnparseableAnswerError, type ChatRequest, type ModelClient } from '@codemonkeys/protocol';

/** Core cannot depend on @codemonkeys/llm (its loopback server): a model client that plays back answers. */
function scriptedModel(answers: Array<string | Error>, seen: ChatRequest[] = []): ModelClient {
  return {
    specificationVersion: 'v1',
    endpoint: 'scripted',
    defaultModel: 'scripted-model',
    async chat(request) {
      seen.push(request);
      const answer = answers.shift();
      if (answer === undefined) throw new Error('the script ran out of answers');
      if (answer instanceof Error) throw answer;
      return {
        model: 'scripted-model',
        choices: [{ index: 0, message: { role: 'assistant', content: answer }, finishReason: 'stop' }],
        usage: { inputTokens: 10, outputTokens: 2, cacheReadTokens: 0, cacheWriteTokens: 0 },
        costUsd: 0.5,
        latencyMs: 1,
        cacheHit: answer.startsWith('cached'),
        retries: 0,
      };
    },
    async embed() {
      throw new Error('not used');
    },
    countTokens: (text) => text.length,
  };
}

const parseNumber = (answer: string): number => {
  const match = /<n>(\d+)<\/n>/.exec(answer);
  if (!match) throw new UnparseableAnswerError('no <n>…</n> tag with a number');
  return Number(match[1]);
};
const reaskPrompt = (problem: string) => `Unusable: ${problem}. Again, please.`;
const question: ChatRequest = { messages: [{ role: 'user', content: 'Pick a number in <n></n>.' }] };

describe('askAndParse', () => {
  it('returns the parsed first answer with its cost', async () => {
    const outcome = await askAndParse({ model: scriptedModel(['<n>7</n>']), request: question, parse: parseNumber, reaskPrompt, signal: new AbortController().signal });
    expect(outcome).toMatchObject({ status: 'ok', value: 7, answers: ['<n>7</n>'], calls: 1, costUsd: 0.5, cacheHits: 0, usage: { inputTokens: 10, outputTokens: 2 } });
  });

  it('asks once more with the answer and the parse error, then gives up with both answers kept', async () => {
    const seen: ChatRequest[] = [];
    const recovered = await askAndParse({
      model: scriptedModel(['seven', 'cached <n>7</n>'], seen),
      request: question,
      parse: parseNumber,
      reaskPrompt,
      signal: new AbortController().signal,
    });
    expect(recovered).toMatchObject({ status: 'ok', value: 7, calls: 2, cacheHits: 1, costUsd: 1 });
    expect(seen[1]!.messages.map((message) => [message.role, message.content])).toEqual([
      ['user', 'Pick a number in <n></n>.'],
      ['assistant', 'seven'],
      ['user', 'Unusable: no <n>…</n> tag with a number. Again, please.'],
    ]);
    const failed = await askAndParse({ model: scriptedModel(['seven', 'eight']), request: question, parse: parseNumber, reaskPrompt, signal: new AbortController().signal });
    expect(failed).toMatchObject({ status: 'failed', reason: 'unparseable', error: 'no <n>…</n> tag with a number', answers: ['seven', 'eight'], calls: 2 });
  });

  it('records a failed call as an endpoint failure, and rethrows only an abort', async () => {
    const failure = new ModelCallError({ message: 'overloaded', endpoint: 'scripted', statusCode: 503, isRetryable: true });
    const outcome = await askAndParse({ model: scriptedModel([failure]), request: question, parse: parseNumber, reaskPrompt, signal: new AbortController().signal });
    expect(outcome).toMatchObject({ status: 'failed', reason: 'endpoint', calls: 1, answers: [] });
    expect(outcome.status === 'failed' && outcome.cause).toBe(failure);
    const controller = new AbortController();
    controller.abort(new Error('run stopped'));
    await expect(askAndParse({ model: scriptedModel([new Error('aborted call')]), request: question, parse: parseNumber, reaskPrompt, signal: controller.signal })).rejects.toThrow(
      'run stopped',
    );
  });

  it('adds costs', () => {
    const one = { calls: 1, usage: { inputTokens: 1, outputTokens: 2, cacheReadTokens: 0, cacheWriteTokens: 0 }, costUsd: 0.25, cacheHits: 1 };
    expect(addExchangeCost(addExchangeCost(emptyExchangeCost(), one), one)).toEqual({
      calls: 2,
      usage: { inputTokens: 2, outputTokens: 4, cacheReadTokens: 0, cacheWriteTokens: 0 },
      costUsd: 0.5,
      cacheHits: 2,
    });
  });
});

describe('fenced blocks', () => {
  it('reads blocks in order with their language, an unterminated last one included', () => {
    const answer = 'Reasoning.\r\n```python\nprint(1)\n```\ntext\n  ```\na.py\nb.py\n```\n```json\n["cut';
    expect(fencedCodeBlocks(answer)).toEqual([
      { language: 'python', content: 'print(1)', closed: true },
      { language: '', content: 'a.py\nb.py', closed: true },
      { language: 'json', content: '["cut', closed: false },
    ]);
    expect(fencedBlocks(answer)).toEqual(['print(1)', 'a.py\nb.py', '["cut']);
    expect(fencedBlocks('no blocks')).toEqual([]);
    expect(fencedBlocks('```')).toEqual([]);
  });
});

/** Levenshtein distance, for the tests only: plugins pass a library's (core depends on zod alone). */
function levenshtein(left: string, right: string): number {
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let row = 1; row <= left.length; row += 1) {
    const current = [row];
    for (let column = 1; column <= right.length; column += 1) {
      current[column] = Math.min(previous[column]! + 1, current[column - 1]! + 1, previous[column - 1]! + (left[row - 1] === right[column - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[right.length]!;
}

describe('createRepositoryPathResolver', () => {
  const paths = ['textkit/words.py', 'textkit/stats.py', 'textkit/util/words.py', 'docs/index.rst', 'setup.py'];

  it('cleans what models put around paths', () => {
    expect(cleanModelNamedPath(' 1. `./textkit/words.py`: ')).toBe('textkit/words.py');
    expect(cleanModelNamedPath('- "a/textkit/words.py",')).toBe('textkit/words.py');
    expect(cleanModelNamedPath('textkit\\stats.py')).toBe('textkit/stats.py');
  });

  it('matches exactly, cleaned, with leading folders dropped, by suffix, and closest within the share', () => {
    const resolver = createRepositoryPathResolver(paths, { distance: levenshtein });
    expect(resolver.resolve('setup.py')).toEqual({ named: 'setup.py', path: 'setup.py', match: 'exact' });
    expect(resolver.resolve('`textkit/stats.py`')).toMatchObject({ path: 'textkit/stats.py', match: 'normalized' });
    expect(resolver.resolve('textkit-repo/src/textkit/stats.py')).toMatchObject({ path: 'textkit/stats.py', match: 'normalized' });
    expect(resolver.resolve('stats.py')).toMatchObject({ path: 'textkit/stats.py', match: 'suffix' });
    // Two files end in /words.py: the closer one wins.
    expect(resolver.resolve('util/words.py')).toMatchObject({ path: 'textkit/util/words.py', match: 'suffix' });
    expect(resolver.resolve('textkit/stat.py')).toMatchObject({ path: 'textkit/stats.py', match: 'closest' });
    expect(resolver.resolve('completely/different/module.py')).toBeUndefined();
    expect(resolver.resolve('  ')).toBeUndefined();
  });

  it('without a distance or with fuzzy off, matches nothing it would have to guess', () => {
    expect(createRepositoryPathResolver(paths).resolve('textkit/stat.py')).toBeUndefined();
    expect(createRepositoryPathResolver(['a/words.py', 'b/words.py']).resolve('words.py')).toBeUndefined();
    expect(createRepositoryPathResolver(paths).resolve('stats.py')).toMatchObject({ path: 'textkit/stats.py', match: 'suffix' });
    expect(createRepositoryPathResolver(paths, { distance: levenshtein, fuzzy: false }).resolve('stats.py')).toBeUndefined();
  });
});

describe('createSourceFileFilter', () => {
  // A stand-in glob compiler for `**/` prefixes and `*` (plugins pass picomatch).
  const compileGlobs = (globs: readonly string[]) => {
    const toPattern = (glob: string) =>
      new RegExp(
        `^${glob
          .split('**/')
          .map((part) =>
            part
              .split('**')
              .map((piece) =>
                piece
                  .split('*')
                  .map((text) => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
                  .join('[^/]*'),
              )
              .join('.*'),
          )
          .join('(?:.*/)?')}$`,
      );
    const patterns = globs.map(toPattern);
    return (path: string) => patterns.some((pattern) => pattern.test(path));
  };
  it('keeps included files and leaves out tests, docs and excluded globs on request', () => {
    const files = ['pkg/words.py', 'pkg/tests/test_words.py', 'pkg/conftest.py', 'docs/index.md', 'pkg/vendor/six.py', 'README.txt'];
    const everything = createSourceFileFilter({ include: ['**/*.py', '**/*.md'], exclude: [], excludeTests: false, excludeDocs: false, compileGlobs });
    expect(files.filter(everything)).toEqual(['pkg/words.py', 'pkg/tests/test_words.py', 'pkg/conftest.py', 'docs/index.md', 'pkg/vendor/six.py']);
    const sources = createSourceFileFilter({ include: ['**/*.py', '**/*.md'], exclude: ['**/vendor/**'], excludeTests: true, excludeDocs: true, compileGlobs });
    expect(files.filter(sources)).toEqual(['pkg/words.py']);
  });
});

describe('followSignal', () => {
  it('aborts with its parent, with the parent’s reason, and detaches on dispose', () => {
    const parent = new AbortController();
    const first = followSignal(parent.signal, 64);
    const second = followSignal(parent.signal, 64);
    second.dispose();
    parent.abort(new Error('stop'));
    expect(first.signal.aborted).toBe(true);
    expect(first.signal.reason).toEqual(new Error('stop'));
    expect(second.signal.aborted).toBe(false);
    expect(followSignal(parent.signal, 1).signal.aborted).toBe(true);
  });

  it('withFollowedSignal gives the work a following signal and detaches it when the work settles, even by throwing', async () => {
    const parent = new AbortController();
    let seen: AbortSignal | undefined;
    await expect(withFollowedSignal(parent.signal, 64, async (signal) => ((seen = signal), 'done'))).resolves.toBe('done');
    let failed: AbortSignal | undefined;
    await expect(
      withFollowedSignal(parent.signal, 64, async (signal) => {
        failed = signal;
        throw new Error('work failed');
      }),
    ).rejects.toThrow('work failed');
    const running = withFollowedSignal(parent.signal, 64, (signal) => new Promise<boolean>((resolve) => signal.addEventListener('abort', () => resolve(signal.aborted))));
    parent.abort();
    await expect(running).resolves.toBe(true);
    expect(seen!.aborted).toBe(false);
    expect(failed!.aborted).toBe(false);
  });
});
