import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { describeWhenAvailable, locateSharedData } from '@codemonkeys/protocol/testkit';
import type { VoteSelectionMetadata } from '../src/index';
import { ensembleOf, loadSystem, scoreVote, textualVoteSelector, type EnsembleInstance } from '../bench/predictions-ensemble';

const systems = ['20240402_sweagent_gpt4', '20240523_aider', '20240530_autocoderover-v20240408', '20240609_moatless_gpt4o'];
const data = locateSharedData(...systems.flatMap((system) => [`predictions-dev/${system}.jsonl`, `predictions-dev/${system}.resolved.json`]));

describeWhenAvailable('patch vote on real SWE-bench Lite predictions (predictions-dev)', data, () => {
  let ensemble: EnsembleInstance[];
  beforeAll(async () => {
    const directory = path.dirname(data.paths[`predictions-dev/${systems[0]}.jsonl`]!);
    ensemble = ensembleOf(await Promise.all(systems.map((system) => loadSystem(directory, system))));
  });

  it('chooses a candidate of each instance, never an empty one while a non-empty exists, and scores between random and the oracle', async () => {
    const selector = await textualVoteSelector();
    for (const instance of ensemble.filter((entry) => entry.candidates.length > 0)) {
      const chosen = await selector.run(instance.candidates.map((candidate) => ({ instanceId: instance.instanceId, diff: candidate.diff, metadata: {} })), instance.instanceId);
      const selection = chosen.metadata.selection as VoteSelectionMetadata;
      expect(chosen.diff).toBe(instance.candidates[selection.chosen]!.diff);
      if (instance.candidates.some((candidate) => candidate.diff.trim() !== '')) expect(chosen.diff.trim(), instance.instanceId).not.toBe('');
    }
    const score = await scoreVote(ensemble, selector, systems);
    console.log(`patch vote ${(100 * score.vote).toFixed(1)}%, random ${(100 * score.random).toFixed(1)}%, oracle ${(100 * score.oracle).toFixed(1)}% over ${score.instances} instances`);
    expect(score.instances).toBe(300);
    expect(score.oracle).toBeGreaterThanOrEqual(score.vote);
    expect(score.oracle).toBeGreaterThan(score.random);
    // Real systems do write the same fix in different spellings: the normalization must find some majorities.
    expect(score.majorities).toBeGreaterThan(0);
  }, 120_000);
});
