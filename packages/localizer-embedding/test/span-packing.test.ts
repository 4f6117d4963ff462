import { describe, expect, it } from 'vitest';
import { createInMemoryWorkspace } from '@codemonkeys/protocol/testkit';
import { outlinePython } from '@codemonkeys/swebench';
import { createCorpusBuilder } from '../src/chunking/corpus-builder';
import { createLocalLexicalEmbedder } from '../src/embedders/local-lexical-embedder';
import { EmbeddingLocalizerOptionsSchema, PackingOptionsSchema } from '../src/options/embedding-localizer-options';
import { packingOrder, type ContextSpan } from '../src/retrieval/context-spans';
import { issueIdentifiers, referencedNames } from '../src/retrieval/issue-identifiers';
import { localizeCorpus } from '../src/retrieval/localize-corpus';
import { createSpanValuation } from '../src/retrieval/span-valuation';

const span = (path: string, startLine: number, endLine: number, fileRank: number): ContextSpan => ({
  path,
  startLine,
  endLine,
  score: 1,
  symbol: undefined,
  kind: 'lines',
  fileRank,
});

describe('packing order', () => {
  const big = span('a.py', 1, 400, 0);
  const small = span('b.py', 1, 10, 1);
  const files = [
    { retrieved: [big], remaining: () => [] },
    { retrieved: [small], remaining: () => [] },
  ];
  const cost = (candidate: ContextSpan): number => (candidate.endLine - candidate.startLine + 1) * 10;

  it('takes spans by priority alone with costExponent 0, by priority per token with 1', () => {
    expect(packingOrder(files, PackingOptionsSchema.parse({ costExponent: 0 }), { boost: () => 1, cost })).toEqual([big, small]);
    expect(packingOrder(files, PackingOptionsSchema.parse({ costExponent: 1 }), { boost: () => 1, cost })).toEqual([small, big]);
  });

  it('lets a boost lift a span above a better-ranked one', () => {
    const boost = (candidate: ContextSpan): number => (candidate === small ? 3 : 1);
    expect(packingOrder(files, PackingOptionsSchema.parse({ costExponent: 0 }), { boost, cost })).toEqual([small, big]);
  });
});

describe('identifiers of the issue and of code', () => {
  it('takes code-shaped names, traceback frames and backticked words, not prose', () => {
    const names = issueIdentifiers(
      'Calling `separability_matrix` on nested models is wrong.\nTraceback:\n  File "/x/core.py", line 3, in _cstack\nThe Compound model filter uses cm.left() and CompoundModel.',
    );
    expect([...names].sort()).toEqual(expect.arrayContaining(['separability_matrix', '_cstack', 'left', 'CompoundModel']));
    expect(names.has('filter')).toBe(false);
    expect(names.has('Compound')).toBe(false);
  });

  it('takes the names code calls or reads as attributes', () => {
    expect([...referencedNames('result = self._merge(other.items, key=sorted_keys(x))')].sort()).toEqual(['_merge', 'items', 'sorted_keys']);
  });
});

describe('line-level packing on a repository', () => {
  // The issue names `normalize_postcode`; the lexical match of the prose points at shipping rates instead.
  const files: Record<string, string> = {
    'shop/shipping.py': [
      'def shipping_rate(country, weight):',
      '    """Shipping rate for a parcel: the rate of its zone times its weight."""',
      '    zone = zone_of(country)',
      '    return RATES[zone] * weight',
      '',
      '',
      'def zone_of(country):',
      '    return ZONES.get(country, "world")',
      '',
      ...Array.from({ length: 120 }, (_, index) => `RATE_${index} = ${index}  # shipping rate table for parcels`),
    ].join('\n'),
    ...Object.fromEntries(
      [1, 2, 3, 4].map((index) => [
        `shop/rates_${index}.py`,
        [
          `def parcel_rate_${index}(zone, weight):`,
          ...Array.from({ length: 30 }, (_, line) => `    # shipping rate of a parcel for zone ${line}: rate times weight`),
          '    return weight',
        ].join('\n'),
      ]),
    ),
    'shop/address.py': ['def normalize_postcode(code):', '    return code.strip().upper()', '', '', 'def format_address(lines):', '    return "\\n".join(lines)'].join('\n'),
  };
  const issue = 'Shipping rate is wrong for parcels to Ireland: the rate of the parcel zone comes out as world, because `normalize_postcode` keeps spaces.';

  const corpusOf = async () => {
    const options = EmbeddingLocalizerOptionsSchema.parse({});
    const workspace = createInMemoryWorkspace({ instanceId: 'packing__named-1', files, outline: (_path, content) => outlinePython(content) });
    return createCorpusBuilder({ chunking: options.chunking }).build(workspace);
  };
  const lines = (path: string, startLine: number, endLine: number): ContextSpan => span(path, startLine, endLine, 0);

  it('boosts the definitions the issue names, only when its weight is on', async () => {
    const corpus = await corpusOf();
    const packing = PackingOptionsSchema.parse({ namedSymbolWeight: 4 });
    const valuation = createSpanValuation({ corpus, rankedFiles: [], queryText: issue, packing });
    expect(valuation.boost(lines('shop/address.py', 1, 2))).toBe(5);
    expect(valuation.boost(lines('shop/address.py', 5, 6))).toBe(1);
    expect(valuation.boost(lines('shop/shipping.py', 1, 4))).toBe(1);
    const off = createSpanValuation({ corpus, rankedFiles: [], queryText: issue, packing: PackingOptionsSchema.parse({ namedSymbolWeight: 0 }) });
    expect(off.boost(lines('shop/address.py', 1, 2))).toBe(1);
  });

  it('boosts the definitions the best chunk of a top file calls (the definition graph)', async () => {
    const corpus = await corpusOf();
    const options = EmbeddingLocalizerOptionsSchema.parse({ packing: { neighbourWeight: 2 } });
    const scores = await (await createLocalLexicalEmbedder(options.lexical).index(corpus)).score({ text: 'shipping rate of a parcel times its weight' });
    const localization = await localizeCorpus(corpus, scores, {
      topK: options.topK,
      tokenBudget: 10_000,
      countTokens: (text) => Math.ceil(text.length / 4),
      ranking: options.ranking,
      packing: options.packing,
      queryText: '',
    });
    const top = localization.rankedFiles.find((file) => file.path === 'shop/shipping.py')!;
    expect(corpus.chunks[top.chunks[0]!]!.symbol).toBe('shipping_rate');
    const valuation = createSpanValuation({ corpus, rankedFiles: [top], queryText: '', packing: options.packing });
    // shipping_rate calls zone_of: its definition is a neighbour; format_address is not.
    expect(valuation.boost(lines('shop/shipping.py', 7, 8))).toBe(3);
    expect(valuation.boost(lines('shop/address.py', 5, 6))).toBe(1);
  });

  it('estimates a span cost from its characters', async () => {
    const valuation = createSpanValuation({ corpus: await corpusOf(), rankedFiles: [], queryText: '', packing: PackingOptionsSchema.parse({}) });
    expect(valuation.cost(lines('shop/address.py', 1, 1))).toBe(('def normalize_postcode(code):'.length + 8) / 4);
  });
});
