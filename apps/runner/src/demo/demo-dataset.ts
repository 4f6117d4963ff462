import fs from 'node:fs/promises';
import path from 'node:path';
import { toSweBenchRecord, type Instance } from '@codemonkeys/protocol';
import { createFixtureRepository, fixtureEnvironmentSpec, fixtureInstanceNames, type FixtureInstanceName, type FixtureRepository } from '@codemonkeys/swebench/testing';
import type { ScriptedInstance, ScriptedSample } from './scripted-model';

/**
 * Reproduction tests the scripted model writes (exit 2 = not fixed, 0 = fixed). The wrap test stops
 * itself after 5 s: on the buggy code `wrap` never returns.
 */
const reproductionTests: Record<FixtureInstanceName, string> = {
  'word-count': [
    'import sys',
    'from textkit.words import count_words',
    '',
    'count = count_words("the  quick   brown fox")',
    'print(f"count_words with repeated spaces = {count}, expected 4")',
    'sys.exit(0 if count == 4 else 2)',
  ].join('\n'),
  'sentence-stats': [
    'import sys',
    'from textkit.stats import summarize',
    '',
    'summary = summarize("Is it ready? Yes it is! Ship it.")',
    'print(f"sentences = {summary[\'sentences\']}, expected 3")',
    'sys.exit(0 if summary["sentences"] == 3 else 2)',
  ].join('\n'),
  'wrap-hang': [
    'import signal',
    'import sys',
    'from textkit.wrap import wrap',
    '',
    'def hang(*_):',
    '    print("wrap() did not return within 5 s")',
    '    sys.exit(2)',
    '',
    'signal.signal(signal.SIGALRM, hang)',
    'signal.alarm(5)',
    'lines = wrap("a extraordinarily long word", 6)',
    'print(f"wrap = {lines}")',
    'sys.exit(0 if lines == ["a", "extraordinarily", "long", "word"] else 2)',
  ].join('\n'),
};

/** The generator's four samples of an example instance: the fix, a wrong or partial fix, an unusable first answer, the fix again. */
function samplesOf(fixture: FixtureRepository, instance: Instance): ScriptedSample[] {
  const candidate = (name: string) => fixture.candidates(instance.instanceId).find((entry) => entry.name === name)?.diff;
  const gold = candidate('gold')!;
  // wrap-hang has no wrong candidate that terminates: its second sample is the fix as well.
  const wrong = candidate('regression') ?? candidate('partial') ?? gold;
  return [{ diff: gold }, { diff: wrong }, { diff: gold, unusableFirst: true }, { diff: gold }];
}

const nameOf = (fixture: FixtureRepository, instance: Instance): FixtureInstanceName =>
  fixtureInstanceNames.find((name) => fixture.instance(name).instanceId === instance.instanceId)!;

export interface DemoDataset {
  fixture: FixtureRepository;
  instances: Instance[];
  scripted: ScriptedInstance[];
  /** The dataset as SWE-bench JSONL. */
  datasetFile: string;
  /** The fixture's environment spec (test time limit lowered for the demo). */
  specFile: string;
}

/**
 * Builds the example instances in `directory`: the fixture repository (a real git repository of a small
 * Python package, three bugs at three commits), the dataset file, the environment spec, and the scripted
 * model's answers. With `copies`, every instance is repeated that many times under new ids, each copy's
 * issue text naming its own ticket so that no two prompts are the same (the benchmark's 100 instances).
 */
export async function prepareDemoDataset(directory: string, options: { copies?: number; testTimeoutSeconds?: number } = {}): Promise<DemoDataset> {
  await fs.rm(path.join(directory, 'fixture'), { recursive: true, force: true });
  await fs.mkdir(directory, { recursive: true });
  const fixture = await createFixtureRepository({ instances: [...fixtureInstanceNames], directory: path.join(directory, 'fixture') });
  const instances: Instance[] = [];
  const scripted: ScriptedInstance[] = [];
  for (const base of fixture.instances) {
    const name = nameOf(fixture, base);
    const samples = samplesOf(fixture, base);
    if (!options.copies) {
      instances.push(base);
      scripted.push({ instance: base, marker: base.problemStatement.split('\n')[0]!, samples, test: reproductionTests[name] });
    }
  }
  if (options.copies) {
    for (let copy = 1; copy <= options.copies; copy += 1) {
      const base = fixture.instances[(copy - 1) % fixture.instances.length]!;
      const name = nameOf(fixture, base);
      const ticket = `Reported in ticket TK-${String(copy).padStart(4, '0')}.`;
      const instance: Instance = {
        ...base,
        instanceId: `${base.instanceId}-copy${String(copy).padStart(4, '0')}`,
        problemStatement: `${base.problemStatement.trimEnd()}\n\n${ticket}\n`,
      };
      instances.push(instance);
      scripted.push({ instance, marker: ticket, samples: samplesOf(fixture, base), test: reproductionTests[name] });
    }
  }
  const datasetFile = path.join(directory, 'dataset.jsonl');
  await fs.writeFile(datasetFile, instances.map((instance) => JSON.stringify(toSweBenchRecord(instance))).join('\n') + '\n');
  const specFile = path.join(directory, 'environment-specs.json');
  await fs.writeFile(specFile, `${JSON.stringify([{ ...fixtureEnvironmentSpec(fixture.repo), testTimeoutSeconds: options.testTimeoutSeconds ?? 30 }], null, 2)}\n`);
  return { fixture, instances, scripted, datasetFile, specFile };
}
