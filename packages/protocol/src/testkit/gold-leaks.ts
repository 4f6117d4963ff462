import type { Instance } from '../instance/v1/instance';
import type { Task } from '../instance/v1/task';
import type { Workspace } from '../workspace/v1/workspace';

// How the conformance suites look for gold data (gold patch, test patch, FAIL_TO_PASS) in what a plugin
// sent to a model. Shared by the Localizer, PatchGenerator and Selector suites.

/** Shortest gold text worth searching for: shorter lines (`return x`, `)`) also occur in honest prompts. */
const minimumNeedleLength = 12;

/** Lines a unified diff adds (without the `+`), file headers excluded. */
function addedLinesOf(diff: string): string[] {
  return diff
    .split('\n')
    .filter((line) => line.startsWith('+') && !line.startsWith('+++'))
    .map((line) => line.slice(1));
}

/** Test function names of pytest/Django/sympy test ids (`tests/test_x.py::test_name[param]`, `test_name (module.Class)`). */
function testNameOf(testId: string): string {
  const afterColons = testId.split('::').at(-1) ?? testId;
  const beforeParameters = afterColons.split('[')[0] ?? afterColons;
  return (beforeParameters.split(' (')[0] ?? beforeParameters).trim();
}

/**
 * The gold texts that must never reach a model: lines the gold patch and the test patch add, and the
 * names of FAIL_TO_PASS tests, each only when it occurs neither in the repository at the base commit (a
 * localizer may show the base code, which gold context lines are part of) nor in the gold-free task.
 */
export async function goldNeedlesOf(instance: Instance, workspace: Workspace, task?: Task): Promise<string[]> {
  const candidates = new Set<string>();
  for (const line of [...addedLinesOf(instance.patch), ...addedLinesOf(instance.testPatch)]) {
    const trimmed = line.trim();
    if (trimmed.length >= minimumNeedleLength) candidates.add(trimmed);
  }
  for (const testId of instance.failToPass) {
    const name = testNameOf(testId);
    if (name.length >= 4) candidates.add(name);
    candidates.add(testId);
  }
  // What the task itself says (an issue may name a test) is not a leak.
  const taskText = task ? stringsIn(task).join('\n') : '';
  const remaining = new Set([...candidates].filter((needle) => !taskText.includes(needle)));
  for (const path of await workspace.listFiles()) {
    if (remaining.size === 0) break;
    let content: string;
    try {
      content = await workspace.readFile(path);
    } catch {
      continue;
    }
    for (const needle of remaining) if (content.includes(needle)) remaining.delete(needle);
  }
  return [...remaining];
}

/** Every string inside a value (objects, arrays, nested), for searching recorded requests. */
export function stringsIn(value: unknown, out: string[] = [], seen = new Set<unknown>()): string[] {
  if (typeof value === 'string') out.push(value);
  else if (typeof value === 'object' && value !== null && !seen.has(value)) {
    seen.add(value);
    for (const item of Array.isArray(value) ? value : Object.values(value)) stringsIn(item, out, seen);
  }
  return out;
}

/**
 * The needles found in any string of the recorded `requests` (message texts, raw bodies), apart from
 * those in `allowed` (text the plugin may legitimately send: the model's own earlier answers, the
 * candidates a selector was given).
 */
export function leakedGold(requests: unknown, needles: readonly string[], allowed = ''): string[] {
  const haystack = stringsIn(requests).join('\n\u0000\n');
  return needles.filter((needle) => !allowed.includes(needle) && haystack.includes(needle));
}
