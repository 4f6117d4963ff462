import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../src/exit-codes';
import { createScriptedSetup, runCli, type CliResult, type ScriptedSetup } from './support/scripted-experiment';

// Every invalid input exits 2 with an `error:` line naming the file, flag or path, and never a stack trace.
let setup: ScriptedSetup;
let directory: string;
const codemonkeys = (...args: string[]): Promise<CliResult> => runCli(args, { cwd: directory });

/** The first line of stderr, after checking that stderr holds no stack trace. */
function errorLine(result: CliResult): string {
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stderr).not.toContain('node:internal');
  return result.stderr.split('\n')[0]!;
}

const write = (name: string, text: string): string => {
  const file = path.join(directory, name);
  fs.writeFileSync(file, text);
  return file;
};

beforeAll(async () => {
  setup = await createScriptedSetup();
  directory = setup.directory;
}, 120_000);
afterAll(() => setup?.close());

describe('codemonkeys run: invalid input exits 2', () => {
  it('a malformed dataset line names the file and the line', async () => {
    const dataset = write('malformed.jsonl', `${fs.readFileSync(setup.dataset.datasetFile, 'utf8').split('\n')[0]}\n{"instance_id": "a__b-1",\n`);
    const result = await codemonkeys('run', setup.writeConfig('malformed.json', { dataset }));
    expect(result.code).toBe(exitCodes.usage);
    expect(errorLine(result)).toMatch(new RegExp(`^error: ${dataset}:2: not valid JSON`));
  });

  it('a dataset record without the SWE-bench fields names the file, the line and the fields', async () => {
    const dataset = write('fields.jsonl', '{"instance_id": "a__b-1"}\n');
    const result = await codemonkeys('run', setup.writeConfig('fields.json', { dataset }));
    expect(result.code).toBe(exitCodes.usage);
    expect(errorLine(result)).toBe(`error: ${dataset}:1: line (instance a__b-1) is not a SWE-bench instance:`);
    expect(result.stderr).toMatch(/base_commit: Invalid input/);
  });

  it('a dataset file that does not exist names the path', async () => {
    const dataset = path.join(directory, 'no-such-dataset.jsonl');
    const result = await codemonkeys('run', setup.writeConfig('no-dataset.json', { dataset }));
    expect(result.code).toBe(exitCodes.usage);
    expect(errorLine(result)).toBe(`error: ${dataset}: cannot be read (ENOENT). Check the path.`);
  });

  it('--instances that match nothing names the dataset and the patterns', async () => {
    const result = await codemonkeys('run', setup.writeConfig('nomatch.json'), '--instances', 'nomatch*');
    expect(result.code).toBe(exitCodes.usage);
    expect(errorLine(result)).toBe(`error: ${setup.dataset.datasetFile}: has no instance matching ["nomatch*"]. Check --instances.`);
    expect(setup.server.requestCount()).toBe(0);
  });

  it('a config that cannot be read (missing, a folder, not JSON) names the file', async () => {
    const missing = await codemonkeys('run', 'no-such-config.json');
    expect(missing.code).toBe(exitCodes.usage);
    expect(errorLine(missing)).toMatch(new RegExp(`^error: Experiment config ${path.join(directory, 'no-such-config.json')} cannot be read as JSON: ENOENT`));
    fs.mkdirSync(path.join(directory, 'folder.json'));
    const folder = await codemonkeys('run', 'folder.json');
    expect(folder.code).toBe(exitCodes.usage);
    expect(errorLine(folder)).toMatch(/^error: Experiment config \S*folder\.json cannot be read as JSON: EISDIR/);
    write('broken.json', '{ "name": ');
    const broken = await codemonkeys('run', 'broken.json');
    expect(broken.code).toBe(exitCodes.usage);
    expect(errorLine(broken)).toMatch(/^error: Experiment config \S*broken\.json cannot be read as JSON: /);
  });

  it('--concurrency lots names the flag and the value', async () => {
    const result = await codemonkeys('run', setup.writeConfig('concurrency.json'), '--concurrency', 'lots');
    expect(result.code).toBe(exitCodes.usage);
    expect(errorLine(result)).toBe('error: --concurrency must be a whole number, got "lots".');
  });

  it("commander's own errors (a bad choice, an unknown option or command) exit 2 too", async () => {
    const choice = await codemonkeys('run', '--sandbox', 'podman');
    expect(choice.code).toBe(exitCodes.usage);
    expect(errorLine(choice)).toContain("option '--sandbox <kind>' argument 'podman' is invalid");
    const option = await codemonkeys('run', '--no-such-flag');
    expect(option.code).toBe(exitCodes.usage);
    expect(errorLine(option)).toBe("error: unknown option '--no-such-flag'");
    const command = await codemonkeys('runn');
    expect(command.code).toBe(exitCodes.usage);
    expect(errorLine(command)).toMatch(/^error: unknown command 'runn'/);
    const help = await codemonkeys('run', '--help');
    expect(help.code).toBe(exitCodes.ok);
  });
});

describe('storage paths that cannot hold a database: one line, exit 2, nothing created', () => {
  it('a path under a regular file (run, report, runs)', async () => {
    const file = write('a-file', 'not a folder\n');
    const url = `sqlite:${path.join(file, 'sub', 'runs.db')}`;
    const expected = `error: Storage "${url}" cannot be used: ${file} is a file, not a folder, so ${path.join(file, 'sub', 'runs.db')} cannot be created; choose another path.`;
    const run = await codemonkeys('run', setup.writeConfig('under-file.json'), '--storage', url);
    expect(run.code).toBe(exitCodes.usage);
    expect(errorLine(run)).toBe(expected);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(fs.readFileSync(file, 'utf8')).toBe('not a folder\n');
    for (const args of [
      ['report', 'some-run', '--storage', url],
      ['runs', '--storage', url],
      ['runs', 'show', 'some-run', '--storage', url],
    ]) {
      const result = await codemonkeys(...args);
      expect(result.code, args.join(' ')).toBe(exitCodes.usage);
      expect(errorLine(result)).toBe(expected);
    }
  });

  it("a path that is a folder (the config file's storage)", async () => {
    const folder = path.join(directory, 'a-folder');
    fs.mkdirSync(folder);
    const result = await codemonkeys('run', setup.writeConfig('folder-storage.json', { storage: `sqlite:${folder}` }));
    expect(result.code).toBe(exitCodes.usage);
    expect(errorLine(result)).toBe(
      `error: Storage "sqlite:${folder}" cannot be used: ${folder} is a folder; name a database file in it (e.g. sqlite:${path.join(folder, 'runs.db')}).`,
    );
  });

  it('a run or a database that does not exist is named, exit 2', async () => {
    const missingDatabase = await codemonkeys('report', 'some-run', '--storage', 'sqlite:nothing-here.db');
    expect(missingDatabase.code).toBe(exitCodes.usage);
    expect(errorLine(missingDatabase)).toBe(
      `error: No run database at ${path.join(directory, 'nothing-here.db')}: run \`codemonkeys run\` first, or pass --storage with the database to read.`,
    );
    expect(fs.existsSync(path.join(directory, 'nothing-here.db'))).toBe(false);
  });
});
