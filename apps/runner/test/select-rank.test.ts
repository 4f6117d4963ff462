import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { queueHandler, startLoopbackModelServer, type LoopbackModelServer } from '@codemonkeys/llm/testing';
import { describeWhenAvailable, leakedGold, locateSharedData } from '@codemonkeys/protocol/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SelectionOutcome } from '../src/select/run-selection';
import { runCli } from './support/run-cli';

const systems = ['20240402_sweagent_gpt4', '20240523_aider', '20240530_autocoderover-v20240408', '20240609_moatless_gpt4o'];
const data = locateSharedData(...systems.map((system) => `predictions-dev/${system}.jsonl`), 'swe-bench-lite.jsonl');
const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'codemonkeys-select-rank-'));
let server: LoopbackModelServer;
afterAll(async () => {
  await server?.close();
  fs.rmSync(directory, { recursive: true, force: true });
});

const readJsonl = (file: string): Array<Record<string, unknown>> =>
  fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describeWhenAvailable('codemonkeys select --selector rank over candidates pooled from four systems (no tests attached)', data, () => {
  const ids = ['django__django-11099', 'sympy__sympy-20590'];
  let rows: Array<Record<string, unknown>>;
  const files: string[] = [];
  beforeAll(async () => {
    server = await startLoopbackModelServer({ handler: queueHandler(['The first candidate fits the issue best.\n<choice>1</choice>', 'Candidate 2.\n<choice>2</choice>']) });
    rows = readJsonl(data.paths['swe-bench-lite.jsonl']!).filter((row) => ids.includes(row.instance_id as string));
    expect(rows).toHaveLength(2);
    fs.writeFileSync(path.join(directory, 'dataset.jsonl'), rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
    for (const system of systems) {
      const file = path.join(directory, `${system}.jsonl`);
      fs.writeFileSync(
        file,
        readJsonl(data.paths[`predictions-dev/${system}.jsonl`]!)
          .filter((row) => ids.includes(row.instance_id as string))
          .map((row) => JSON.stringify(row))
          .join('\n') + '\n',
      );
      files.push(file);
    }
  });

  it('ranks with the model over pooled candidates without tests, records tokens and calls, and shows the model no gold data', async () => {
    const result = await runCli(
      [
        'select',
        '--predictions',
        ...files,
        '--selector',
        'rank',
        '--option',
        'topK=2',
        '--dataset',
        'dataset.jsonl',
        '--base-url',
        `${server.url}/v1`,
        '--model',
        'loopback-model',
        '--storage',
        'sqlite:./runs.db',
        '--json',
      ],
      { cwd: directory },
    );
    expect(result.code, result.stderr).toBe(0);
    const outcome = JSON.parse(result.stdout) as SelectionOutcome;
    expect(outcome.selector.name).toBe('@codemonkeys/selector-rank');
    expect(outcome.choices.map((choice) => choice.status)).toEqual(['selected', 'selected']);
    // Tokens and calls of the selection are in its scorecard (the loopback server counts tokens).
    expect(outcome.scorecard.runtime.modelCalls).toBeGreaterThan(0);
    expect(outcome.scorecard.runtime.tokens.input).toBeGreaterThan(0);
    expect(outcome.scorecard.runtime.containers).toBe(0);
    // The stored selection metadata says what the pre-filter kept and why.
    const stored = fs.readFileSync(outcome.files.choices, 'utf8');
    expect(stored).toContain('django__django-11099');
    // Gold data: the test patch's added lines and the FAIL_TO_PASS ids never reach the model (the issue and candidates may quote code).
    const needles = rows.flatMap((row) => [
      ...String(row.test_patch)
        .split('\n')
        .filter((line) => line.startsWith('+') && !line.startsWith('+++') && line.trim().length >= 25)
        .map((line) => line.slice(1).trim()),
      ...(JSON.parse(String(row.FAIL_TO_PASS)) as string[]),
    ]);
    const allowed = [...rows.map((row) => String(row.problem_statement)), ...files.map((file) => fs.readFileSync(file, 'utf8'))].join('\n');
    expect(needles.length).toBeGreaterThan(0);
    expect(server.requests.length).toBe(outcome.scorecard.runtime.modelCalls);
    expect(leakedGold(server.requests, needles, allowed)).toEqual([]);
  }, 300_000);
});
