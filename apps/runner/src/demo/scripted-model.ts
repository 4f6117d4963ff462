import { lineRunsOf } from '@codemonkeys/plugin-kit';
import { type Instance } from '@codemonkeys/protocol';
import type { LoopbackHandler, LoopbackRequest } from '@codemonkeys/llm/testing';
import { goldLines, parseUnifiedDiff } from '@codemonkeys/swebench';

/**
 * A scripted model for the demo, the tests and the benchmark: not a language model. It answers the
 * prompts of the first-party plugins (Agentless' three levels, the generator's edit requests, the
 * ranker's choice) with fixed answers written for the bundled example instances: the locations come
 * from each instance's gold patch, the candidate edits from the fixture's known candidate patches. Its
 * purpose is to run the whole pipeline offline with results you can check, and it says so in every
 * answer's first line.
 */
export const scriptedModelNotice = 'SCRIPTED MODEL: fixed answers written for the bundled example instances, not a language model';

/** The generator's samples of one instance: which candidate diff each sample answers with. */
export interface ScriptedSample {
  /** The unified diff this sample's SEARCH/REPLACE blocks produce. */
  diff: string;
  /** Answer first with prose the generator cannot use (it asks again; the second answer is `diff`). */
  unusableFirst?: boolean;
}

export interface ScriptedInstance {
  instance: Instance;
  /** Text that identifies the instance in a prompt (a line of its problem statement). */
  marker: string;
  samples: ScriptedSample[];
  /** A reproduction test (exit 2 = not fixed, 0 = fixed) given with every edit. */
  test?: string;
}

export interface ScriptedModelOptions {
  instances: readonly ScriptedInstance[];
  /** The generator's `seed` option: sample i is identified by `seed + i` (default 1000). */
  baseSeed?: number;
}

/** SEARCH/REPLACE blocks that turn the base files into what a unified diff makes of them. */
export function diffToSearchReplace(diff: string): string {
  const blocks: string[] = [];
  for (const file of parseUnifiedDiff(diff)) {
    for (const hunk of file.hunks) {
      const search = hunk.lines.filter((line) => line.kind !== 'added').map((line) => line.content);
      const replace = hunk.lines.filter((line) => line.kind !== 'removed').map((line) => line.content);
      blocks.push(`${file.path}\n<<<<<<< SEARCH\n${search.join('\n')}${search.length > 0 ? '\n' : ''}=======\n${replace.join('\n')}${replace.length > 0 ? '\n' : ''}>>>>>>> REPLACE`);
    }
  }
  return blocks.join('\n\n');
}

const fenced = (lines: readonly string[]): string => `\`\`\`\n${lines.join('\n')}\n\`\`\``;

/** Line runs (`line: 3`, `lines: 6-8`) of line numbers, as Agentless' edit-location answers name them. */
const lineRuns = (lines: readonly number[]): string[] =>
  lineRunsOf(lines.filter((line) => line > 0)).map((run) => (run.startLine === run.endLine ? `line: ${run.startLine}` : `lines: ${run.startLine}-${run.endLine}`));

/** The locations Agentless' levels are answered with, from the gold patch. */
function goldLocations(instance: Instance): { files: string[]; elements: Map<string, string[]>; lines: Map<string, string[]> } {
  const files: string[] = [];
  const elements = new Map<string, string[]>();
  const lines = new Map<string, string[]>();
  const gold = goldLines(instance.patch);
  for (const file of parseUnifiedDiff(instance.patch)) {
    if (!file.oldPath) continue;
    files.push(file.oldPath);
    const names = new Set<string>();
    for (const hunk of file.hunks) {
      const section = /^\s*(?:async\s+)?(def|class)\s+(\w+)/.exec(hunk.section);
      if (section) names.add(`${section[1] === 'class' ? 'class' : 'function'}: ${section[2]}`);
      for (const line of hunk.lines) {
        const variable = /^([A-Z][A-Z0-9_]*)\s*=/.exec(line.content);
        if (line.kind === 'removed' && variable) names.add(`variable: ${variable[1]}`);
        const definition = /^(?:async\s+)?def\s+(\w+)/.exec(line.content);
        if (line.kind !== 'added' && definition) names.add(`function: ${definition[1]}`);
      }
    }
    elements.set(file.oldPath, [...names]);
    const numbers = gold.get(file.oldPath) ?? [];
    lines.set(file.oldPath, lineRuns(numbers.length > 0 ? numbers : file.hunks.map((hunk) => hunk.oldStart)));
  }
  return { files, elements, lines };
}

const promptOf = (request: LoopbackRequest): string => request.messages.filter((message) => message.role !== 'assistant').map((message) => message.content).join('\n');

/**
 * The loopback handler of the scripted model. Requests it has no script for get an answer that says
 * so (the plugin records it as an unusable answer), never an error.
 */
export function createScriptedModelHandler(options: ScriptedModelOptions): LoopbackHandler {
  const baseSeed = options.baseSeed ?? 1000;
  const locations = new Map(options.instances.map((entry) => [entry.instance.instanceId, goldLocations(entry.instance)]));
  return (request) => {
    const prompt = promptOf(request);
    const scripted = options.instances.find((entry) => prompt.includes(entry.marker));
    if (!scripted) return `${scriptedModelNotice}. This request is not one of the scripted ones (no example instance is named in it).`;
    const where = locations.get(scripted.instance.instanceId)!;
    const last = request.lastUserMessage ?? '';

    // Agentless, level by level (the prompts' own section titles).
    if (last.includes('### Repository structure ###')) return fenced(where.files);
    if (last.includes('### Skeletons ###')) return fenced(where.files.flatMap((path) => [path, ...(where.elements.get(path) ?? []), '']));
    if (last.includes('### Code ###')) return fenced(where.files.flatMap((path) => [path, ...(where.lines.get(path) ?? []), '']));

    // The generator: the edit of this sample (identified by its seed), SEARCH/REPLACE blocks.
    if (prompt.includes('SEARCH/REPLACE') || prompt.includes('<<<<<<< SEARCH')) {
      const body = request.body as { seed?: number } | undefined;
      const sample = Math.max(0, (body?.seed ?? baseSeed) - baseSeed) % Math.max(1, scripted.samples.length);
      const plan = scripted.samples[sample] ?? scripted.samples[0]!;
      const reasked = request.messages.some((message) => message.role === 'assistant');
      if (plan.unusableFirst && !reasked) return `${scriptedModelNotice}.\nI looked at the code but I am not sure what causes the issue yet.`;
      const test = scripted.test && prompt.includes('<test>') ? `\n<test>\n${scripted.test.trimEnd()}\n</test>\n` : '';
      return `${scriptedModelNotice}.\nThe fix changes the code the issue points at.\n${test}\n${diffToSearchReplace(plan.diff)}\n`;
    }

    // A ranking selector: the first candidate.
    if (prompt.includes('<choice>')) return `${scriptedModelNotice}.\n<choice>1</choice>`;
    return `${scriptedModelNotice}. No script for this kind of request.`;
  };
}
