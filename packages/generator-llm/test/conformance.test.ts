import { instantiatePlugin } from '@codemonkeys/protocol';
import { runPatchGeneratorConformance, type PatchGeneratorConformanceSetup } from '@codemonkeys/protocol/testkit';
import { llmGeneratorPlugin, type LlmGeneratorOptionsInput } from '../src/index';
import { block, fenced, testBlock } from './support/answers';
import { createGeneratorHarness, defaultLocalization } from './support/generator-harness';

/** A reproduction test for sentence-stats, written with the contract (exit 2 = not fixed). */
const sentenceStatsTest =
  'import sys\nfrom textkit.stats import summarize\n\nsummary = summarize("Is it ready? Yes it is! Ship it.")\nprint(summary)\nsys.exit(0 if summary["sentences"] == 3 else 2)\n';
const sentenceStatsAnswer = `Only "." ends a sentence; "?" and "!" must too, and the average must divide by words.\n\n${testBlock(sentenceStatsTest)}\n\n${fenced(
  block('textkit/sentences.py', ['SENTENCE_ENDINGS = "."'], ['SENTENCE_ENDINGS = "?!."']),
  block('textkit/stats.py', ['    return round(letters / len(split_sentences(text)), 1)'], ['    return round(letters / max(len(words), 1), 1)']),
)}`;
// A correct fix written differently from the gold patch, so that every gold line is searched for in the requests.

async function setupWith(answer: (index: number) => string, options: LlmGeneratorOptionsInput): Promise<PatchGeneratorConformanceSetup> {
  const harness = await createGeneratorHarness({ instances: ['sentence-stats'] });
  let calls = 0;
  harness.server.setHandler(() => answer(calls++));
  const generator = await instantiatePlugin(llmGeneratorPlugin, options, harness.context);
  return {
    generator,
    context: harness.context,
    instance: harness.fixture.instance('sentence-stats'),
    localization: defaultLocalization['sentence-stats'],
    requests: () => harness.server.requests,
    cleanup: () => harness.close(),
  };
}

runPatchGeneratorConformance('@codemonkeys/generator-llm', {
  // Three samples with combined tests; the second sample's first answer is prose and is asked again.
  create: () => setupWith((index) => (index === 1 ? 'Let me look at the sentence splitter first.' : sentenceStatsAnswer), { samples: 3, tests: 'combined', concurrency: 1 }),
  createWithUnusableModel: () =>
    setupWith((index) => (index % 2 === 0 ? 'I am not sure what causes this.' : 'textkit/stats.py\n<<<<<<< SEARCH\n    return round('), {
      samples: 2,
      tests: 'combined',
      maxReasks: 2,
    }),
});
