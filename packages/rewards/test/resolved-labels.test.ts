import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetError } from '@codemonkeys/protocol';
import { labelOf, loadResolvedLabels, parseResolvedLabels } from '../src/index';

describe('labels files', () => {
  it('reads the shared predictions labels: listed ids are known, others unknown', () => {
    const labels = parseResolvedLabels({ system: 's', resolved: ['a'], unresolved_with_patch: ['b'], empty_patch: ['c'], no_prediction: ['d'] }, 'x.resolved.json');
    expect([labelOf(labels, 'a'), labelOf(labels, 'b'), labelOf(labels, 'c'), labelOf(labels, 'd'), labelOf(labels, 'e')]).toEqual([true, false, false, false, undefined]);
  });

  it('reads SWE-bench run reports (error ids stay unknown) and plain arrays (everything else unresolved)', () => {
    const report = parseResolvedLabels({ resolved_ids: ['a'], unresolved_ids: ['b'], empty_patch_ids: ['c'], error_ids: ['d'] }, 'report.json');
    expect([labelOf(report, 'a'), labelOf(report, 'b'), labelOf(report, 'c'), labelOf(report, 'd')]).toEqual([true, false, false, undefined]);
    const array = parseResolvedLabels(['a'], 'ids.json');
    expect([labelOf(array, 'a'), labelOf(array, 'z')]).toEqual([true, false]);
  });

  it('names the file and the accepted shapes when it cannot read one', async () => {
    expect(() => parseResolvedLabels({ resolved: 'a' }, 'bad.json')).toThrow(/bad\.json: is not a labels file[\s\S]*JSON array of resolved instance ids/);
    const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'labels-'));
    try {
      await fs.writeFile(path.join(directory, 'broken.json'), '{"resolved": [');
      const error = await loadResolvedLabels(path.join(directory, 'broken.json')).catch((caught: unknown) => caught);
      expect(DatasetError.isInstance(error)).toBe(true);
      expect((error as Error).message).toMatch(/broken\.json: is not JSON/);
      await expect(loadResolvedLabels(path.join(directory, 'missing.json'))).rejects.toThrow(/missing\.json: cannot be read \(ENOENT\)/);
    } finally {
      await fs.rm(directory, { recursive: true, force: true });
    }
  });
});
