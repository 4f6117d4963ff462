import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SchemaValidationError, SweBenchRecordSchema, TaskSchema, parseWithSchema, toSweBenchRecord, toTask } from '../src/index';
import { describeWhenAvailable, locateSharedData } from '../src/testkit/index';

const record = {
  repo: 'octo/calc',
  instance_id: 'octo__calc-1',
  base_commit: 'a'.repeat(40),
  patch: 'diff --git a/calc.py b/calc.py\n',
  test_patch: 'diff --git a/test_calc.py b/test_calc.py\n',
  problem_statement: 'add() subtracts',
  hints_text: '',
  created_at: '2024-01-01T00:00:00Z',
  version: '1.0',
  FAIL_TO_PASS: '["test_calc.py::test_add"]',
  PASS_TO_PASS: '[]',
  environment_setup_commit: 'b'.repeat(40),
  difficulty: '<15 min fix',
};

describe('SWE-bench records', () => {
  it('decode JSON-encoded test lists and keep unknown fields apart', () => {
    const instance = SweBenchRecordSchema.parse(record);
    expect(instance.failToPass).toEqual(['test_calc.py::test_add']);
    expect(instance.passToPass).toEqual([]);
    expect(instance.extra).toEqual({ difficulty: '<15 min fix' });
    expect(toSweBenchRecord(instance)).toEqual(record);
  });

  it('accept test lists as arrays and numeric versions', () => {
    const instance = SweBenchRecordSchema.parse({ ...record, FAIL_TO_PASS: ['a', 'b'], version: 0.12 });
    expect(instance.failToPass).toEqual(['a', 'b']);
    expect(instance.version).toBe('0.12');
  });

  it('reject malformed records with readable messages', () => {
    const { base_commit: _dropped, ...missing } = record;
    const attempt = () => parseWithSchema(SweBenchRecordSchema, { ...missing, FAIL_TO_PASS: '[not json', repo: 'no-slash' }, 'instance octo__calc-1');
    expect(attempt).toThrow(SchemaValidationError);
    try {
      attempt();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('instance octo__calc-1 is invalid');
      expect(message).toContain('✖ base_commit:');
      expect(message).toContain('✖ FAIL_TO_PASS: must be a JSON-encoded list of test names');
      expect(message).toContain('✖ repo: must be "owner/name"');
    }
  });

  it('give plugins a task without gold data, and refuse gold fields in a task', () => {
    const task = toTask(SweBenchRecordSchema.parse(record));
    expect(Object.keys(task).sort()).toEqual(['baseCommit', 'createdAt', 'hintsText', 'instanceId', 'problemStatement', 'repo', 'version']);
    expect(JSON.stringify(task)).not.toContain('test_calc.py');
    expect(TaskSchema.safeParse({ ...task, patch: record.patch }).success).toBe(false);
  });
});

const data = locateSharedData('swe-bench-lite.jsonl', 'swe-bench-lite-dev.jsonl');
describeWhenAvailable('SWE-bench Lite records from the shared data', data, () => {
  it.each(['swe-bench-lite.jsonl', 'swe-bench-lite-dev.jsonl'])('parses every row of %s', (file) => {
    const lines = fs
      .readFileSync(data.paths[file]!, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '');
    const instances = lines.map((line) => SweBenchRecordSchema.parse(JSON.parse(line)));
    expect(instances.length).toBe(file === 'swe-bench-lite.jsonl' ? 300 : 23);
    for (const instance of instances) {
      expect(instance.failToPass.length).toBeGreaterThan(0);
      expect(JSON.stringify(toTask(instance))).not.toContain(instance.patch.slice(0, 200));
    }
  });
});
