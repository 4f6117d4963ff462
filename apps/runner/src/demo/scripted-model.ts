import { lineRunsOf } from '@codemonkeys/plugin-kit';
import { type DemoInstanceScript, type Instance, type PluginDemo } from '@codemonkeys/protocol';
import { demoAnswerRequestOf, type LoopbackHandler } from '@codemonkeys/llm/testing';
import { goldLines, parseUnifiedDiff } from '@codemonkeys/swebench';
import { listInstalledPlugins } from '../plugins/installed-plugins';
import { loadPlugin } from '../plugins/load-plugin';

/**
 * A scripted model for the demo, the tests and the benchmark: not a language model. It knows the bundled
 * example instances (the locations from each instance's gold patch, the candidate edits from the
 * fixture's known candidate patches) and nothing of any prompt: each request goes to the plugin whose
 * prompt it is, through the plugin's own `demo` (PluginDemo), which writes the answer in its prompt's
 * format. Its purpose is to run the whole pipeline offline with results you can check, and it says so in
 * every answer's first line.
 */
export const scriptedModelNotice = 'SCRIPTED MODEL: fixed answers written for the bundled example instances, not a language model';

/** The generator's samples of one instance: which candidate diff each sample answers with. */
export interface ScriptedSample {
  /** The unified diff this sample's edit produces. */
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

/** A plugin that answers its own prompts in the demo: its name (for messages) and its `demo`. */
interface DemoAnswerer {
  name: string;
  demo: PluginDemo;
}

export interface ScriptedModelOptions {
  instances: readonly ScriptedInstance[];
  /** The generator's `seed` option: sample i is identified by `seed + i` (default 1000). */
  baseSeed?: number;
  /** The plugins asked, in order; default: every installed plugin that ships a demo (loaded once, on the first request). */
  plugins?: readonly DemoAnswerer[];
}

/**
 * SEARCH/REPLACE blocks that turn the base files into what a unified diff makes of them.
 * @deprecated generator-llm's demo writes its own edit format; kept for one release.
 */
export function diffToSearchReplace(diff: string): string {
  const blocks: string[] = [];
  for (const file of parseUnifiedDiff(diff)) {
    for (const hunk of file.hunks) {
      const search = hunk.lines.filter((line) => line.kind !== 'added').map((line) => line.content);
      const replace = hunk.lines.filter((line) => line.kind !== 'removed').map((line) => line.content);
      blocks.push(
        `${file.path}\n<<<<<<< SEARCH\n${search.join('\n')}${search.length > 0 ? '\n' : ''}=======\n${replace.join('\n')}${replace.length > 0 ? '\n' : ''}>>>>>>> REPLACE`,
      );
    }
  }
  return blocks.join('\n\n');
}

/** The locations a perfect localizer names, from the gold patch: files, elements (`function: name`, ...), line runs. */
function goldLocations(instance: Instance): DemoInstanceScript['locations'] {
  const files: string[] = [];
  const elements: Record<string, string[]> = {};
  const lines: Record<string, { startLine: number; endLine: number }[]> = {};
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
    elements[file.oldPath] = [...names];
    const numbers = gold.get(file.oldPath) ?? [];
    lines[file.oldPath] = lineRunsOf((numbers.length > 0 ? numbers : file.hunks.map((hunk) => hunk.oldStart)).filter((line) => line > 0));
  }
  return { files, elements, lines };
}

/** What the plugins' demos are told of an example instance. */
function demoInstanceScript(entry: ScriptedInstance, baseSeed = 1000): DemoInstanceScript {
  return {
    instanceId: entry.instance.instanceId,
    locations: goldLocations(entry.instance),
    samples: entry.samples.map((sample) => ({ ...sample })),
    firstSeed: baseSeed,
    ...(entry.test === undefined ? {} : { test: entry.test }),
  };
}

/** Every installed plugin that ships a demo, by package name (the order answers are asked in). */
async function installedDemoAnswerers(cwd: string): Promise<DemoAnswerer[]> {
  const answerers: DemoAnswerer[] = [];
  for (const installed of listInstalledPlugins(cwd).sort((a, b) => a.packageName.localeCompare(b.packageName))) {
    const { definition } = await loadPlugin(installed.packageName, undefined, { cwd });
    if (definition.demo) answerers.push({ name: definition.meta.name, demo: definition.demo });
  }
  return answerers;
}

/**
 * The loopback handler of the scripted model: finds the example instance a prompt names, and asks each
 * plugin's demo in turn for its answer. Requests no plugin claims get an answer that says so (the plugin
 * records it as an unusable answer), never an error.
 */
export function createScriptedModelHandler(options: ScriptedModelOptions): LoopbackHandler {
  const baseSeed = options.baseSeed ?? 1000;
  const scripts = options.instances.map((entry) => ({ marker: entry.marker, script: demoInstanceScript(entry, baseSeed) }));
  let answerers: Promise<readonly DemoAnswerer[]> | undefined = options.plugins ? Promise.resolve(options.plugins) : undefined;
  return async (request) => {
    const prompt = request.messages
      .filter((message) => message.role !== 'assistant')
      .map((message) => message.content)
      .join('\n');
    const scripted = scripts.find((entry) => prompt.includes(entry.marker));
    if (!scripted) return `${scriptedModelNotice}. This request is not one of the scripted ones (no example instance is named in it).`;
    answerers ??= installedDemoAnswerers(process.cwd());
    const demoRequest = demoAnswerRequestOf(request, scripted.script);
    for (const answerer of await answerers) {
      const answer = answerer.demo.answer(demoRequest);
      if (answer !== undefined) return `${scriptedModelNotice}.\n${answer}`;
    }
    return `${scriptedModelNotice}. No plugin's demo answers this kind of request.`;
  };
}
