import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { evaluationLogMarkers, regradeEvaluation } from '../src/index';

const instance = { instanceId: 'pallets__flask-4045', failToPass: ['tests/test_a.py::test_fix'], passToPass: ['tests/test_a.py::test_old'] };
let directory: string | undefined;

async function folder(files: Record<string, string>): Promise<string> {
  directory = await fs.mkdtemp(path.join(os.tmpdir(), 'regrade-unit-'));
  for (const [name, content] of Object.entries(files)) await fs.writeFile(path.join(directory, name), content);
  return directory;
}

afterEach(async () => {
  if (directory) await fs.rm(directory, { recursive: true, force: true });
  directory = undefined;
});

describe('regrading saved evaluation logs', () => {
  it('reads SWE-bench’s own layout (plain markers, its report.json) by SWE-bench’s rules', async () => {
    const log = `+ git apply -v -\n${evaluationLogMarkers.startTestOutput}\nPASSED tests/test_a.py::test_fix\nFAILED tests/test_a.py::test_old\n${evaluationLogMarkers.endTestOutput}\n`;
    const report = {
      [instance.instanceId]: {
        patch_is_None: false,
        patch_exists: true,
        patch_successfully_applied: true,
        resolved: false,
        tests_status: {
          FAIL_TO_PASS: { success: ['tests/test_a.py::test_fix'], failure: [] },
          PASS_TO_PASS: { success: [], failure: ['tests/test_a.py::test_old'] },
          FAIL_TO_FAIL: { success: [], failure: [] },
          PASS_TO_FAIL: { success: [], failure: [] },
        },
      },
    };
    const regraded = await regradeEvaluation({
      directory: await folder({ 'test_output.txt': log, 'report.json': JSON.stringify(report), 'patch.diff': 'diff --git a/x b/x\n' }),
      instance,
      logParser: 'pytest',
    });
    expect(regraded.agrees).toBe(true);
    expect(regraded.report).toMatchObject({ resolved: false, resolution_status: 'RESOLVED_NO' });
    expect(regraded.report.test_run).toBeUndefined();
  });

  it('says when the saved verdict differs from the grade of its log, and names a broken report', async () => {
    const log = `${evaluationLogMarkers.startTestOutput}\nPASSED tests/test_a.py::test_fix\nPASSED tests/test_a.py::test_old\n${evaluationLogMarkers.endTestOutput}\n`;
    const saved = { [instance.instanceId]: { patch_is_None: false, patch_exists: true, patch_successfully_applied: true, resolved: false } };
    const regraded = await regradeEvaluation({ directory: await folder({ 'test_output.txt': log, 'report.json': JSON.stringify(saved) }), instance, logParser: 'pytest' });
    expect(regraded).toMatchObject({ agrees: false, report: { resolved: true } });
    await fs.writeFile(path.join(directory!, 'report.json'), '{"x": 1}');
    await expect(regradeEvaluation({ directory: directory!, instance, logParser: 'pytest' })).rejects.toThrow(/report\.json is not a report of pallets__flask-4045/);
    await fs.rm(path.join(directory!, 'report.json'));
    await fs.rm(path.join(directory!, 'test_output.txt'));
    await expect(regradeEvaluation({ directory: directory!, instance, logParser: 'pytest' })).rejects.toThrow(/test_output\.txt is missing/);
  });
});
