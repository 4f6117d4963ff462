import { afterAll, beforeAll, expect, it } from 'vitest';
import type { GeneratedTest, Patch } from '@codemonkeys/protocol';
import { describeWhenAvailable } from '@codemonkeys/protocol/testkit';
import type { VoteSelectionMetadata } from '../src/index';
import { createDockerSandbox, type DockerSandbox } from '@codemonkeys/sandbox-docker';
import { containersOf, dockerAvailability } from '@codemonkeys/sandbox-docker/testing';
import { openFixtureSandboxes, unifiedDiffOf, type FixtureSandboxes } from '@codemonkeys/swebench/testing';
import { createVoteHarness, type VoteHarness } from './support/vote-harness';

const docker = await dockerAvailability();
/** On every container of these tests besides the sandbox's own labels (targeted cleanup). */
const testLabels = { 'codemonkeys.test': 'selector-vote' };

/** A reproduction test by the GeneratedTest contract: exit 0 when the check holds, 2 when it does not. */
const reproduction = (name: string, check: string): GeneratedTest => ({
  path: `reproduce_${name}.py`,
  content: `import sys\nfrom textkit import count_words, longest_word\n\nsys.exit(0 if ${check} else 2)\n`,
  command: `python3 reproduce_${name}.py`,
  metadata: {},
});

describeWhenAvailable('vote in a real Docker sandbox (word-count fixture)', docker, () => {
  let harness: VoteHarness;
  let sandbox: DockerSandbox;
  let sandboxes: FixtureSandboxes;
  let c: Record<string, Patch>;
  let base: string;

  beforeAll(async () => {
    // The instance's sandbox as the runner gives it to plugins: swebench's provider over the Docker sandbox.
    harness = await createVoteHarness({ sandbox: () => sandboxes.sandboxFor(harness.fixture.instance('word-count')) });
    sandbox = await createDockerSandbox({ labels: testLabels });
    sandboxes = await openFixtureSandboxes({ sandbox, fixture: harness.fixture, labels: testLabels });
    c = await harness.candidates();
    base = await harness.fixture.fileAt(harness.fixture.instance('word-count').baseCommit, 'textkit/words.py');
  }, 600_000);

  afterAll(async () => {
    await sandboxes?.close();
    await sandbox?.close();
    if (sandbox) expect(await containersOf(sandbox)).toEqual([]);
    await harness?.close();
  });

  const variant = async (name: string, replacement: string): Promise<Patch> => ({
    instanceId: harness.instanceId,
    diff: await unifiedDiffOf('textkit/words.py', base, base.replace('    return text.split(WORD_SEPARATOR)\n', replacement)),
    metadata: { name },
  });

  it('test vote: prefers the candidate that passes the generated tests over a larger group that does not', async () => {
    // Behaves like the base code (a no-fix), twice: the patch vote alone would choose it.
    const noFix = await variant('noFix', '    return [word for word in text.split(WORD_SEPARATOR)]\n');
    const patches: Patch[] = [
      { ...noFix, tests: [reproduction('longest', 'longest_word("a quick fox") == "quick"')] },
      { ...c.regression!, tests: [reproduction('lines', 'count_words("a\\nb") == 2')] },
      { ...c.fixPlain!, tests: [reproduction('spaces', 'count_words("the  quick   brown fox") == 4')] },
      { ...noFix },
      c.empty!,
      c['not-applying']!,
    ];
    const selector = await harness.selector({ normalization: 'text' });
    const chosen = await selector.run(patches, harness.instanceId);
    const selection = chosen.metadata.selection as VoteSelectionMetadata;
    expect(chosen.metadata.name).toBe('fixPlain');
    expect(chosen.tests).toEqual(patches[2]!.tests);
    // Runnable: noFix, regression, fixPlain, noFix (empty and not-applying never run).
    expect(selection.testVote!.candidates).toEqual([0, 1, 2, 3]);
    expect(selection.testVote!.tests.map((test) => test.path)).toEqual(['reproduce_longest.py', 'reproduce_lines.py', 'reproduce_spaces.py']);
    // Rows: longest, lines, spaces. The regression breaks longest_word (an error, not a pass).
    expect(selection.testVote!.outcomes).toEqual([
      ['fixed', 'error', 'fixed', 'fixed'],
      ['not-fixed', 'fixed', 'fixed', 'not-fixed'],
      ['not-fixed', 'fixed', 'fixed', 'not-fixed'],
    ]);
    expect(selection.testVote!.original).toEqual(['fixed', 'not-fixed', 'not-fixed']);
    expect(selection.candidates.map((candidate) => candidate.testVotes)).toEqual([1, 2, 3, 1, 0, 0]);
    // Found by the base commit check through the workspace, before anything runs.
    expect(selection.candidates[5]).toMatchObject({ applies: false });
    expect(selection.reasoning).toContain('passes 3 of 3 generated test(s)');
    expect(selection.testVote!.cachedCells).toBe(0);

    // A second selection over the same candidates is served from the (test, patch) cache.
    const again = await selector.run(patches, harness.instanceId);
    const cached = (again.metadata.selection as VoteSelectionMetadata).testVote!;
    expect(cached.cachedCells).toBe(3 * 4 + 3);
    expect(cached.outcomes).toEqual(selection.testVote!.outcomes);
  }, 300_000);

  it('patch vote with the AST round trip: groups rewrites the textual normalization cannot see as equal, and finds the non-applying candidate', async () => {
    const parenthesized = await variant('parenthesized', '    return (text.split( ))\n');
    const keyword = await variant('keyword', '    return text.split(sep=None)\n');
    const spaced = await variant('spaced', '    return text.split( )\n');
    const patches = [c.regression!, c.regression!, c.regression!, c.fixPlain!, parenthesized, c.fixDocumented!, c['not-applying']!, keyword, spaced];
    const textual = (await (await harness.selector({ normalization: 'text', checkApplies: false, mode: 'patch-vote' })).run(patches, harness.instanceId)).metadata
      .selection as VoteSelectionMetadata;
    // Textually, `(text.split( ))` and `split( )` are other changes: the regression's group of three beats the fix's two.
    expect(textual.chosen).toBe(0);
    const chosen = await (await harness.selector({ normalization: 'ast', mode: 'patch-vote' })).run(patches, harness.instanceId);
    const selection = chosen.metadata.selection as VoteSelectionMetadata;
    expect(selection.normalization).toBe('ast');
    expect(selection.groups[0]).toMatchObject({ members: [3, 4, 5, 8], eligible: true });
    expect(chosen.metadata.name).toBe('fixPlain');
    expect(selection.candidates[6]).toMatchObject({ applies: false, notes: ['does not apply to the base commit'] });
    // `split(sep=None)` is the same behaviour but another AST: a group of its own.
    expect(selection.candidates[7]!.group).not.toBe(selection.candidates[3]!.group);
  }, 300_000);

  it('regression filter: runs the repository tests near the changed file and drops the candidate that breaks one', async () => {
    const patches = [c.regression!, c.regression!, c.fixPlain!];
    const selector = await harness.selector({ normalization: 'text', regressionFilter: {} });
    const chosen = await selector.run(patches, harness.instanceId);
    const selection = chosen.metadata.selection as VoteSelectionMetadata;
    expect(chosen.metadata.name).toBe('fixPlain');
    expect(selection.regression!.testFiles).toEqual(['tests/test_words.py']);
    expect(selection.regression!.original).toMatchObject({ exitCode: 0, tests: 3 });
    expect(selection.regression!.newlyFailing).toEqual({ 0: ['tests/test_words.py::test_longest_word'], 1: ['tests/test_words.py::test_longest_word'], 2: [] });
    expect(selection.candidates.map((candidate) => candidate.regressionFailures)).toEqual([1, 1, 0]);
  }, 300_000);
});
