import fs from 'node:fs/promises';
import { beforeAll, expect, it } from 'vitest';
import { describeWhenAvailable, locateSharedData, sharedDataDirectory } from '@codemonkeys/protocol/testkit';
import { normalizeDiffText, normalizedKeyOf } from '../src/index';
import { parseFileDiffs } from '../src/diff-files';
import { codebaseContentFiles, loadBaseTexts } from '../bench/codebase-content';

// Every SWE-bench Lite gold patch changes code, so none may normalize to "no change" (issue 15: 11 did).
const data = locateSharedData('swe-bench-lite.jsonl', ...codebaseContentFiles);

describeWhenAvailable('the 300 SWE-bench Lite gold patches through the textual normalization', data, () => {
  let instances: Array<{ instanceId: string; patch: string }>;
  let baseTexts: Map<string, Map<string, string>>;
  beforeAll(async () => {
    const rows = (await fs.readFile(data.paths['swe-bench-lite.jsonl']!, 'utf8')).split('\n').filter((line) => line.trim() !== '');
    instances = rows.map((line) => JSON.parse(line) as { instance_id: string; patch: string }).map((row) => ({ instanceId: row.instance_id, patch: row.patch }));
    const wanted = new Map(instances.map((instance) => [instance.instanceId, parseFileDiffs(instance.patch).flatMap((file) => (file.oldPath ? [file.oldPath] : []))]));
    baseTexts = await loadBaseTexts(sharedDataDirectory(), wanted);
  }, 120_000);

  it('finds a change in every gold patch from the diff alone', () => {
    expect(instances).toHaveLength(300);
    const noChange = instances.filter((instance) => normalizedKeyOf(normalizeDiffText(instance.patch).files) === '').map((instance) => instance.instanceId);
    expect(noChange).toEqual([]);
  });

  it('finds a change in every gold patch read against its base-commit files, where the shared data has them', () => {
    expect(baseTexts.size).toBe(54);
    const noChange: string[] = [];
    for (const [instanceId, files] of baseTexts) {
      const { patch } = instances.find((instance) => instance.instanceId === instanceId)!;
      const normalized = normalizeDiffText(patch, { baseText: (file) => files.get(file) });
      // Gold patches apply exactly and their files are valid Python: every file is read against its base text.
      expect(
        normalized.files.map((file) => `${file.path} ${file.basis}`),
        instanceId,
      ).toEqual(normalized.files.map((file) => `${file.path} base-commit`));
      if (normalizedKeyOf(normalized.files) === '') noChange.push(instanceId);
    }
    expect(noChange).toEqual([]);
  });
});
