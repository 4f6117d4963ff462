import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { toSweBenchRecord } from '@codemonkeys/protocol';
import { describeWhenAvailable } from '@codemonkeys/protocol/testkit';
import { dockerAvailability } from '@codemonkeys/sandbox-docker/testing';
import { RunReportSchema } from '@codemonkeys/swebench';
import { createFixtureRepository, fixtureEnvironmentSpec, type FixtureRepository } from '@codemonkeys/swebench/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byteSize } from '../src/evaluation/eval-options';
import { runCli, type CliResult } from './support/run-cli';

describe('eval sizes', () => {
  it('reads --max-image-disk sizes with binary units and refuses nonsense', () => {
    expect(byteSize('x').parse('50G')).toBe(50 * 1024 ** 3);
    expect(byteSize('x').parse('512m')).toBe(512 * 1024 ** 2);
    expect(byteSize('x').parse('1.5TB')).toBe(Math.round(1.5 * 1024 ** 4));
    expect(byteSize('x').parse('2048')).toBe(2048);
    expect(byteSize('x').safeParse('lots').success).toBe(false);
    expect(byteSize('x').safeParse('0').success).toBe(false);
  });
});

describeWhenAvailable('codemonkeys eval --regrade: saved logs graded again without containers give the live verdicts', await dockerAvailability(), () => {
  let directory: string;
  let fixture: FixtureRepository;
  let common: string[];
  let live: CliResult;
  const codemonkeys = (...args: string[]): Promise<CliResult> => runCli(args, { cwd: directory });

  beforeAll(async () => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'codemonkeys-regrade-'));
    fixture = await createFixtureRepository({ instances: ['word-count', 'sentence-stats'] });
    const dataset = path.join(directory, 'dataset.jsonl');
    fs.writeFileSync(dataset, fixture.instances.map((instance) => JSON.stringify(toSweBenchRecord(instance))).join('\n') + '\n');
    const specFile = path.join(directory, 'specs.json');
    fs.writeFileSync(specFile, JSON.stringify([fixtureEnvironmentSpec()], null, 2));
    common = ['--dataset', dataset, '--spec-file', specFile];
    // Two models: the gold patches, and a mix of candidates that do not resolve (no fix, regression, partial, not applying).
    const mixed = fixture.instances.map((instance, index) => {
      const names = ['no-fix', 'regression', 'partial', 'not-applying'];
      const available = fixture.candidates(instance.instanceId).filter((candidate) => names.includes(candidate.name));
      return { instance_id: instance.instanceId, model_name_or_path: 'mixed', model_patch: available[index % available.length]!.diff };
    });
    const predictions = path.join(directory, 'mixed.jsonl');
    fs.writeFileSync(predictions, mixed.map((line) => JSON.stringify(line)).join('\n') + '\n');
    live = await codemonkeys('eval', ...common, '--repository', `${fixture.repo}=${fixture.root}`, '--predictions', 'gold', predictions, '--output', 'logs', '--run-id', 'live');
    if (live.code !== 0) throw new Error(`eval exited ${live.code}:\n${live.stderr}\n${live.stdout}`);
  }, 900_000);
  afterAll(async () => {
    await fixture?.cleanup();
    if (directory) fs.rmSync(directory, { recursive: true, force: true });
  });

  it('every saved evaluation agrees, and each model folder gets the run report of its live evaluation', async () => {
    const result = await codemonkeys('eval', ...common, '--regrade', path.join(directory, 'logs'), '--json');
    expect(result.code, result.stderr).toBe(0);
    const outcome = JSON.parse(result.stdout) as { evaluations: number; agreements: number; disagreements: number; groups: Array<{ folder: string; reportFile: string }> };
    expect(outcome.evaluations).toBe(fixture.instances.length * 2);
    expect(outcome).toMatchObject({ agreements: outcome.evaluations, disagreements: 0 });
    expect(outcome.groups).toHaveLength(2);
    for (const group of outcome.groups) {
      const liveReportFile = fs.readdirSync(path.dirname(group.folder)).find((name) => name === `${path.basename(group.folder)}.live.json`)!;
      const liveReport = RunReportSchema.parse(JSON.parse(fs.readFileSync(path.join(path.dirname(group.folder), liveReportFile), 'utf8')));
      const regraded = RunReportSchema.parse(JSON.parse(fs.readFileSync(group.reportFile, 'utf8')));
      expect(regraded.resolved_ids).toEqual(liveReport.resolved_ids);
      expect(regraded.unresolved_ids).toEqual(liveReport.unresolved_ids);
      expect(regraded.patch_apply_failed_ids).toEqual(liveReport.patch_apply_failed_ids);
    }
  }, 300_000);

  it('names an evaluation whose saved verdict its log does not support, and refuses a folder with none', async () => {
    const instance = fixture.instances[0]!;
    const reportFile = path.join(directory, 'logs', 'live', 'mixed', instance.instanceId, 'report.json');
    const saved = JSON.parse(fs.readFileSync(reportFile, 'utf8')) as Record<string, { resolved: boolean }>;
    if (saved[instance.instanceId]!.resolved) throw new Error('the mixed candidate was expected not to resolve');
    saved[instance.instanceId]!.resolved = true; // what a report edited by hand (or by a forger) would say
    fs.writeFileSync(reportFile, JSON.stringify(saved));
    const result = await codemonkeys('eval', ...common, '--regrade', path.join(directory, 'logs'));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('1 differ');
    expect(result.stdout).toContain(`differs: ${instance.instanceId}: saved resolved, now not resolved`);
    const empty = fs.mkdtempSync(path.join(directory, 'empty-'));
    const refused = await codemonkeys('eval', ...common, '--regrade', empty);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/no evaluation folder/);
  }, 300_000);
});
