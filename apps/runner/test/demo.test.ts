import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeWhenAvailable } from '@codemonkeys/protocol/testkit';
import { dockerAvailability } from '@codemonkeys/sandbox-docker/testing';
import { afterAll, expect, it } from 'vitest';
import { runCli } from './support/scripted-experiment';

const temporary = fs.mkdtempSync(path.join(os.tmpdir(), 'codemonkeys-demo-test-'));
afterAll(() => fs.rmSync(temporary, { recursive: true, force: true }));

interface DemoOutcome {
  runs: Array<{ status: string; done: number; failed: number; pending: number; predictions: string }>;
  reportFiles: { markdown: string; json: string; html: string };
  scorecards: Array<{ instances: number; stages: Record<string, { metrics: Record<string, { count: number; mean: number; sum: number }> }> }>;
}

describeWhenAvailable("codemonkeys demo (the README's first command)", await dockerAvailability(), () => {
  it('runs the whole pipeline on the example instances in Docker and ends with the scorecard, predictions and reports', async () => {
    const output = path.join(temporary, 'demo');
    const result = await runCli(['demo', '--output', output, '--json', '--progress', 'lines'], { cwd: temporary });
    expect(result.code, result.stderr).toBe(0);
    // Users are told that the answers are scripted, not a language model's.
    expect(result.stderr).toContain('SCRIPTED MODEL');
    const outcome = JSON.parse(result.stdout) as DemoOutcome;

    expect(outcome.runs).toHaveLength(1);
    const [run] = outcome.runs;
    expect(run).toMatchObject({ status: 'completed', done: 3, failed: 0, pending: 0 });
    const predictions = fs
      .readFileSync(run!.predictions, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { instance_id: string; model_patch: string });
    expect(predictions.map((prediction) => prediction.instance_id).sort()).toEqual([
      'codemonkeys-fixtures__textkit-1',
      'codemonkeys-fixtures__textkit-2',
      'codemonkeys-fixtures__textkit-3',
    ]);
    for (const prediction of predictions) expect(prediction.model_patch).toMatch(/^diff --git a\//);

    // Every stage was scored, and the verdicts came from running the gold tests in Docker.
    const [scorecard] = outcome.scorecards;
    expect(scorecard!.instances).toBe(3);
    const { localization, generation, selection } = scorecard!.stages as Record<string, { metrics: Record<string, { count: number; mean: number; sum: number }> }>;
    expect(localization!.metrics['gold-line-recall']!.count).toBe(3);
    expect(generation!.metrics['resolved']!.count).toBe(12);
    expect(generation!.metrics['resolved']!.sum).toBeGreaterThan(0);
    expect(generation!.metrics['generated-test-validity']!.count).toBeGreaterThan(0);
    expect(selection!.metrics['resolved']!.count).toBe(3);

    for (const file of Object.values(outcome.reportFiles)) expect(fs.statSync(file).size).toBeGreaterThan(0);
    expect(fs.readFileSync(outcome.reportFiles.markdown, 'utf8')).toContain('gold-line recall');
  }, 600_000);
});
