/**
 * Container time of the regression filter per candidate, against a baseline that opens a fresh container
 * for every test run (one container per (candidate, test), as a harness that isolates each test would).
 * Real Docker, the fixture repository and its own pytest tests (word-count: tests/test_words.py). The
 * filter runs the related tests once at the base commit and once per candidate, in the instance's one
 * reused container (reset between uses); the baseline runs each test id of the base run on its own,
 * at the base commit and with each candidate, each time in a new container. No cache on either side.
 *
 *   npm run bench:regression      (needs dockerd and the bookworm base image)
 */
import { applyDiffInSession } from '@codemonkeys/plugin-kit';
import { createDockerSandbox } from '@codemonkeys/sandbox-docker';
import { createInstanceSandboxProvider, createWorkspaceProvider } from '@codemonkeys/swebench';
import { createFixtureRepository, fixtureEnvironmentSpec, openFixtureSandboxes, unifiedDiffOf } from '@codemonkeys/swebench/testing';
import { RegressionFilterOptionsSchema, runRegressionFilter } from '../src/index';

const labels = { 'codemonkeys.test': 'selector-vote-bench' };
const rounds = Number(process.env.ROUNDS ?? 3);
const fixture = await createFixtureRepository({ instances: ['word-count'] });
const sandbox = await createDockerSandbox({ labels });
const sandboxes = await openFixtureSandboxes({ sandbox, fixture, labels });
const workspaces = createWorkspaceProvider({ instances: fixture.instances, repositorySources: fixture.repositorySources });
const fresh = createInstanceSandboxProvider({ sandbox, repositoryCache: sandboxes.repositoryCache, specs: [fixtureEnvironmentSpec(fixture.repo)], isolation: 'fresh', labels });
try {
  const instance = fixture.instance('word-count');
  const base = await fixture.fileAt(instance.baseCommit, 'textkit/words.py');
  const byName = Object.fromEntries(fixture.candidates(instance.instanceId).map((candidate) => [candidate.name, candidate.diff]));
  const diffs = [
    byName.regression!,
    byName.gold!,
    byName['no-fix']!,
    await unifiedDiffOf('textkit/words.py', base, base.replace('    return text.split(WORD_SEPARATOR)\n', '    return text.split()\n')),
  ];
  const workspace = await workspaces.workspace(instance.instanceId);
  const settings = RegressionFilterOptionsSchema.parse({});
  const reused = sandboxes.sandboxFor(instance);
  const freshSandbox = fresh.sandboxFor(instance);
  // Warm both (image, repository archive) so that neither side pays the first container's setup in the figures.
  await reused.use(async () => undefined);
  await freshSandbox.use(async () => undefined);

  const filterMs: number[] = [];
  const baselineMs: number[] = [];
  let testIds: string[] = [];
  let verdicts = '';
  for (let round = 0; round < rounds; round += 1) {
    const outcome = await runRegressionFilter({ sandbox: reused, workspace, diffs, changedFiles: ['textkit/words.py'], runnable: diffs.map((_, index) => index), settings });
    filterMs.push(outcome.containerMs / diffs.length);
    verdicts = diffs.map((_, index) => `#${index}: ${outcome.failures[index]} new failure(s)`).join(', ');
    if (testIds.length === 0) {
      const original = await reused.use(
        async (session) => (await session.exec(['sh', '-c', 'python3 -m pytest -rA -p no:cacheprovider tests/test_words.py'], { timeoutMs: 600_000 })).stdout,
      );
      testIds = [...original.matchAll(/^PASSED (\S+)/gm)].map((match) => match[1]!);
    }
    // The baseline: every test id alone, at the base commit and with each candidate, each in a new container.
    let total = 0;
    for (const diff of ['', ...diffs]) {
      for (const testId of testIds) {
        const started = Date.now();
        await freshSandbox.use(async (session) => {
          if ((await applyDiffInSession(session, diff)).applied) await session.exec(['sh', '-c', `python3 -m pytest -rA -p no:cacheprovider '${testId}'`], { timeoutMs: 600_000 });
        });
        total += Date.now() - started;
      }
    }
    baselineMs.push(total / diffs.length);
  }
  const median = (values: number[]): number => [...values].sort((left, right) => left - right)[Math.floor(values.length / 2)]!;
  console.log(`Regression filter on the word-count fixture: ${diffs.length} candidates, ${testIds.length} related tests (${testIds.join(', ')}); ${verdicts}`);
  console.log(`container time per candidate, median of ${rounds} rounds (base run included, spread over the candidates):`);
  console.log(`- regression filter, one reused container: ${median(filterMs).toFixed(0)} ms`);
  console.log(`- baseline, a fresh container per (candidate, test): ${median(baselineMs).toFixed(0)} ms`);
  console.log(`- ratio filter / baseline: ${(median(filterMs) / median(baselineMs)).toFixed(3)} (${(median(baselineMs) / median(filterMs)).toFixed(1)}× less container time)`);
  console.log(`fresh-isolation statistics: ${JSON.stringify(freshSandbox.statistics)}; reused: ${JSON.stringify(reused.statistics)}`);
} finally {
  await fresh.close();
  await workspaces.close();
  await sandboxes.close();
  await sandbox.close();
  await fixture.cleanup();
}
