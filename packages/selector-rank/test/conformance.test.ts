import { runSelectorConformance } from '@codemonkeys/protocol/testkit';
import { createRankHarness } from './support/rank-harness';

runSelectorConformance('@codemonkeys/selector-rank (single-turn)', {
  async create() {
    const harness = await createRankHarness();
    // Every comparison is answered; which candidate is named does not matter to the suite.
    harness.server.setHandler(() => 'The first candidate addresses the issue.\n<choice>1</choice>');
    const c = await harness.candidates();
    return {
      selector: await harness.selector({ mode: 'single-turn' }),
      context: harness.context,
      instance: harness.fixture.instance('word-count'),
      candidates: [c.regression!, c.fixPlain!, c.empty!, c.noFix!],
      requests: () => harness.server.requests,
      cleanup: () => harness.close(),
    };
  },
});
