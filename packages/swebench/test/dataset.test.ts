import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetError, NotFoundError } from '@codemonkeys/protocol';
import { describeWhenAvailable, locateSharedData } from '@codemonkeys/protocol/testkit';
import { filterInstances, loadDataset, loadPredictions, writePredictions } from '../src/index';

let directory: string;
beforeAll(async () => {
  directory = await fs.mkdtemp(path.join(os.tmpdir(), 'swebench-dataset-'));
});
afterAll(async () => {
  await fs.rm(directory, { recursive: true, force: true });
});

const record = (id: string, overrides: Record<string, unknown> = {}) => ({
  instance_id: id,
  repo: 'owner/name',
  base_commit: 'a'.repeat(40),
  patch: 'diff --git a/x.py b/x.py\n',
  test_patch: '',
  problem_statement: 'It breaks.',
  FAIL_TO_PASS: '["tests/test_x.py::test_a"]',
  PASS_TO_PASS: [],
  ...overrides,
});

const shared = locateSharedData('swe-bench-lite.jsonl', 'swe-bench-lite-dev.jsonl');
describeWhenAvailable('SWE-bench Lite datasets', shared, () => {
  it('loads all 300 test and 23 dev instances, test lists decoded', async () => {
    const lite = await loadDataset(shared.paths['swe-bench-lite.jsonl']!);
    const dev = await loadDataset(shared.paths['swe-bench-lite-dev.jsonl']!);
    expect(lite).toHaveLength(300);
    expect(dev).toHaveLength(23);
    for (const instance of [...lite, ...dev]) {
      expect(instance.failToPass.length).toBeGreaterThan(0);
      expect(instance.baseCommit).toMatch(/^[0-9a-f]{40}$/);
      expect(instance.version).toBeTypeOf('string');
    }
    const django = lite.find((instance) => instance.instanceId === 'django__django-11099')!;
    expect(django.repo).toBe('django/django');
    expect(django.failToPass.every((test) => typeof test === 'string')).toBe(true);
    expect(new Set(lite.map((instance) => instance.repo)).size).toBe(12);
  });

  it('reads the same instances from a parquet copy as from the JSONL file', async () => {
    const { parquetWriteBuffer } = await import('hyparquet-writer');
    const lines = (await fs.readFile(shared.paths['swe-bench-lite-dev.jsonl']!, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, string>);
    const columns = Object.keys(lines[0]!);
    const buffer = parquetWriteBuffer({ columnData: columns.map((name) => ({ name, data: lines.map((row) => row[name] ?? ''), type: 'STRING' as const })) });
    const file = path.join(directory, 'dev.parquet');
    await fs.writeFile(file, Buffer.from(buffer));
    expect(await loadDataset(file)).toEqual(await loadDataset(shared.paths['swe-bench-lite-dev.jsonl']!));
  });

  it('filters by ids, globs, repos, exclusions and slices', async () => {
    const lite = await loadDataset(shared.paths['swe-bench-lite.jsonl']!);
    expect(filterInstances(lite, { repos: ['psf/requests'] }).map((instance) => instance.instanceId)).toHaveLength(6);
    expect(filterInstances(lite, { globs: ['sympy__sympy-1*'], slice: '0:3' }).map((instance) => instance.instanceId)).toEqual([
      'sympy__sympy-11400',
      'sympy__sympy-11870',
      'sympy__sympy-11897',
    ]);
    expect(filterInstances(lite, { slice: '-2:' })).toHaveLength(2);
    expect(filterInstances(lite, { slice: { start: 10, end: 15 } })).toHaveLength(5);
    expect(filterInstances(lite, { repos: ['pallets/flask'], exclude: ['*-4045'] }).map((instance) => instance.instanceId)).toEqual(['pallets__flask-4992', 'pallets__flask-5063']);
    expect(filterInstances(lite, { ids: ['psf__requests-2317', 'django__django-11099'] }).map((instance) => instance.instanceId)).toEqual([
      'django__django-11099',
      'psf__requests-2317',
    ]);
    expect(() => filterInstances(lite, { ids: ['django__django-1'] })).toThrow(/django__django-1/);
    expect(() => filterInstances(lite, { slice: 'first ten' })).toThrow(/start:end/);
    const loaded = await loadDataset(shared.paths['swe-bench-lite.jsonl']!, { repos: ['pallets/flask'] });
    expect(loaded).toHaveLength(3);
  });
});

describe('dataset errors', () => {
  it('names the file, the line and the zod issue of a bad JSONL record', async () => {
    const file = path.join(directory, 'bad.jsonl');
    await fs.writeFile(file, [JSON.stringify(record('a__b-1')), '', JSON.stringify(record('a__b-2', { base_commit: 'not-a-hash', FAIL_TO_PASS: 'test_a' }))].join('\n'));
    const error = await loadDataset(file).catch((caught: unknown) => caught);
    expect(DatasetError.isInstance(error)).toBe(true);
    const datasetError = error as DatasetError;
    expect(datasetError.file).toBe(file);
    expect(datasetError.line).toBe(3);
    expect(datasetError.message).toContain('a__b-2');
    expect(datasetError.message).toContain('base_commit');
    expect(datasetError.message).toContain('FAIL_TO_PASS');
  });

  it('names the line of invalid JSON, and of a bad element in a JSON array', async () => {
    const jsonl = path.join(directory, 'broken.jsonl');
    await fs.writeFile(jsonl, `${JSON.stringify(record('a__b-1'))}\n{"instance_id": \n`);
    await expect(loadDataset(jsonl)).rejects.toMatchObject({ line: 2, message: expect.stringContaining('not valid JSON') });
    const json = path.join(directory, 'array.json');
    await fs.writeFile(json, JSON.stringify([record('a__b-1'), record('a__b-2', { problem_statement: '' })], null, 2));
    await expect(loadDataset(json)).rejects.toMatchObject({ line: 12, message: expect.stringContaining('element 1') });
    await fs.writeFile(json, JSON.stringify([record('a__b-1'), record('a__b-2', { FAIL_TO_PASS: ['t'] })]));
    expect((await loadDataset(json)).map((instance) => instance.failToPass)).toEqual([['tests/test_x.py::test_a'], ['t']]);
  });

  it('refuses duplicates, unreadable files and non-parquet bytes', async () => {
    const file = path.join(directory, 'duplicate.jsonl');
    await fs.writeFile(file, [record('a__b-1'), record('a__b-1')].map((entry) => JSON.stringify(entry)).join('\n'));
    await expect(loadDataset(file)).rejects.toThrow(/appears twice/);
    await expect(loadDataset(path.join(directory, 'missing.jsonl'))).rejects.toThrow(/ENOENT/);
    const parquet = path.join(directory, 'fake.parquet');
    await fs.writeFile(parquet, 'PAR1 but not really');
    await expect(loadDataset(parquet)).rejects.toThrow(/not a readable parquet file/);
  });

  it('reports unknown ids as NotFoundError', () => {
    expect(() => filterInstances([], { ids: ['x'] })).toThrow(NotFoundError as unknown as ErrorConstructor);
  });
});

const predictions = locateSharedData('predictions-dev/20240523_aider.jsonl');
describeWhenAvailable('SWE-bench predictions files', predictions, () => {
  it('loads a published predictions file', async () => {
    const loaded = await loadPredictions(predictions.paths['predictions-dev/20240523_aider.jsonl']!);
    expect(loaded.length).toBeGreaterThan(100);
    expect(loaded[0]).toMatchObject({ instance_id: expect.any(String), model_name_or_path: expect.any(String) });
  });
});

describe('predictions', () => {
  it('round-trips JSONL and reads JSON arrays and objects keyed by instance id', async () => {
    const file = path.join(directory, 'predictions.jsonl');
    const entries = [
      { instance_id: 'a__b-1', model_name_or_path: 'model', model_patch: 'diff --git a/x b/x\n' },
      { instance_id: 'a__b-2', model_name_or_path: 'model', model_patch: null },
    ];
    await writePredictions(file, entries);
    expect(await loadPredictions(file)).toEqual(entries);
    const keyed = path.join(directory, 'predictions.json');
    await fs.writeFile(keyed, JSON.stringify({ 'a__b-1': { model_name_or_path: 'model', model_patch: '' } }));
    expect(await loadPredictions(keyed)).toEqual([{ instance_id: 'a__b-1', model_name_or_path: 'model', model_patch: '' }]);
    await fs.writeFile(keyed, JSON.stringify(entries));
    expect(await loadPredictions(keyed)).toEqual(entries);
  });

  it('names the line of a bad prediction and refuses duplicates', async () => {
    const file = path.join(directory, 'bad-predictions.jsonl');
    await fs.writeFile(file, `${JSON.stringify({ instance_id: 'x', model_name_or_path: 'm', model_patch: '' })}\n${JSON.stringify({ instance_id: 'y' })}\n`);
    await expect(loadPredictions(file)).rejects.toMatchObject({ line: 2, message: expect.stringContaining('model_name_or_path') });
    await fs.writeFile(file, `${JSON.stringify({ instance_id: 'x', model_name_or_path: 'm' })}\n${JSON.stringify({ instance_id: 'x', model_name_or_path: 'm' })}\n`);
    await expect(loadPredictions(file)).rejects.toThrow(/two predictions/);
  });

  it('refuses an empty or blank predictions file, naming it', async () => {
    for (const [name, content] of [
      ['empty.jsonl', ''],
      ['blank.jsonl', '\n  \n\n'],
      ['empty.json', '[]'],
    ] as const) {
      const file = path.join(directory, name);
      await fs.writeFile(file, content);
      await expect(loadPredictions(file)).rejects.toMatchObject({ name: 'DatasetError', message: expect.stringContaining(file) });
      await expect(loadPredictions(file)).rejects.toThrow(/holds no predictions/);
    }
  });
});
