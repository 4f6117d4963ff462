import { runSelectorConformance } from '@codemonkeys/protocol/testkit';
import { createVoteHarness } from './support/vote-harness';

// The vote makes no model call, so `requests` is left out (the suite then skips the gold-leak check).
runSelectorConformance('@codemonkeys/selector-vote (textual, no sandbox)', {
  async create() {
    const harness = await createVoteHarness();
    const c = await harness.candidates();
    return {
      selector: await harness.selector(),
      context: harness.context,
      instance: harness.fixture.instance('word-count'),
      candidates: [c.regression!, c.fixPlain!, c.empty!, c.fixCommented!],
      cleanup: () => harness.close(),
    };
  },
});
