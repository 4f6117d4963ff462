import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Instance } from '@codemonkeys/protocol';
import { InstanceSchema, NotFoundError } from '@codemonkeys/protocol';
import { runGit } from '../git/run-git';
import {
  initialFiles,
  statsFeature,
  statsFix,
  statsSentencesFix,
  statsTests,
  wordCountFix,
  wordCountTests,
  wrapFeature,
  wrapFix,
  wrapTests,
  type FixtureFiles,
} from './fixture-sources';

/** The instances a fixture repository can hold, each at its own commit of one history. */
export const fixtureInstanceNames = ['word-count', 'sentence-stats', 'wrap-hang'] as const;
export type FixtureInstanceName = (typeof fixtureInstanceNames)[number];

/** A candidate patch with the verdict SWE-bench evaluation must give it. */
export interface FixtureCandidate {
  /** `gold`, `empty`, `not-applying`, `no-fix` (applies, fixes nothing), `partial` (some FAIL_TO_PASS), `regression` (breaks PASS_TO_PASS). */
  name: 'gold' | 'empty' | 'not-applying' | 'no-fix' | 'partial' | 'regression';
  diff: string;
  expected: {
    /** `git apply` or `patch --fuzz` accepts it (true for the empty patch, which changes nothing). */
    applies: boolean;
    resolved: boolean;
    /** Running the tests never finishes: evaluation must time out. */
    hangs: boolean;
  };
}

export interface FixtureRepositoryOptions {
  /** Which instances to return (the history always holds all of them). Default: `['word-count']`. */
  instances?: readonly FixtureInstanceName[];
  /** GitHub-style name of the repository. Default `codemonkeys-fixtures/textkit`. */
  repo?: string;
  /** Parent folder of the repository. Default: a new temporary folder. */
  directory?: string;
}

export interface FixtureRepository {
  /** A normal (non-bare) git repository holding the whole history; `main` is checked out at the last commit. */
  readonly root: string;
  readonly repo: string;
  /** The requested instances, in the order asked for. */
  readonly instances: Instance[];
  /** `{ [repo]: root }`: pass as `repositorySources` to `createWorkspaceProvider`/`createRepositoryCache`. */
  readonly repositorySources: Record<string, string>;
  /** The instance of a given name (it must have been requested). */
  instance(name: FixtureInstanceName): Instance;
  /** Candidate patches of an instance with their expected verdicts: gold, empty, not-applying, no-fix, and where they exist partial and regression. */
  candidates(instanceId: string): FixtureCandidate[];
  /** The content of a file at a commit of the fixture's history (e.g. an instance's `baseCommit`), to write candidate patches against. */
  fileAt(commit: string, file: string): Promise<string>;
  /** Removes the temporary folder (when the fixture created it). */
  cleanup(): Promise<void>;
}

interface InstanceDefinition {
  name: FixtureInstanceName;
  number: number;
  version: string;
  /** Files of the commit that introduces the bug (the base commit); none for the first. */
  feature?: FixtureFiles;
  fix: FixtureFiles;
  tests: FixtureFiles;
  failToPass: string[];
  passToPass: string[];
  problemStatement: string;
  hintsText: string;
  /** Candidate builders, given the base-commit files. */
  wrong: (files: FixtureFiles) => FixtureFiles;
  partial?: FixtureFiles;
  regression?: (files: FixtureFiles) => FixtureFiles;
  notApplying: string;
  hangs: boolean;
}

const definitions: InstanceDefinition[] = [
  {
    name: 'word-count',
    number: 1,
    version: '0.1',
    fix: wordCountFix,
    tests: wordCountTests,
    failToPass: ['tests/test_words.py::test_count_words_repeated_spaces', 'tests/test_words.py::test_count_words_line_breaks'],
    passToPass: ['tests/test_words.py::test_count_words_simple', 'tests/test_words.py::test_count_words_empty', 'tests/test_words.py::test_longest_word'],
    problemStatement:
      'Word counts are too high for pasted text\n\n' +
      'Our editor shows the number of words of every paragraph. For text pasted from our PDF exporter the number is wrong: ' +
      '`count_words("the  quick   brown fox")` returns 7, although the sentence has four words. Text typed by hand is counted ' +
      'correctly. Paragraphs that span several lines look wrong too.\n',
    hintsText: '',
    wrong: (files) => ({ 'textkit/words.py': files['textkit/words.py']!.replace('in order."""', 'in order, as they appear."""') }),
    regression: (files) => ({
      'textkit/words.py': files['textkit/words.py']!.replace('    return text.split(WORD_SEPARATOR)\n', '    return text.split()\n').replace(
        '    best = ""\n',
        '    best = None\n',
      ),
    }),
    notApplying:
      'diff --git a/textkit/words.py b/textkit/words.py\n--- a/textkit/words.py\n+++ b/textkit/words.py\n' +
      '@@ -5,3 +5,3 @@\n def split_words(text):\n     """Return the words of ``text`` in order."""\n-    return re.split(SEPARATOR_PATTERN, text)\n+    return text.split()\n',
    hangs: false,
  },
  {
    name: 'sentence-stats',
    number: 2,
    version: '0.2',
    feature: statsFeature,
    fix: statsFix,
    tests: statsTests,
    failToPass: ['tests/test_stats.py::test_summarize_questions_and_exclamations', 'tests/test_stats.py::test_average_word_length'],
    passToPass: ['tests/test_stats.py::test_summarize_counts_words', 'tests/test_stats.py::test_summarize_single_sentence'],
    problemStatement:
      'summarize() gives strange numbers for dialogue\n\n' +
      'For `Is it ready? Yes it is! Ship it.` the summary says there is 1 sentence. And the average word length it reports ' +
      'for `Tiny cats nap. Dogs run.` is 9.0, which no English text has.\n',
    hintsText: 'The numbers are right for a single sentence that ends with a full stop.\n',
    wrong: (files) => ({ 'textkit/stats.py': files['textkit/stats.py']!.replace('rounded to one decimal."""', 'rounded to 1 decimal."""') }),
    partial: statsSentencesFix,
    notApplying:
      'diff --git a/textkit/stats.py b/textkit/stats.py\n--- a/textkit/stats.py\n+++ b/textkit/stats.py\n' +
      '@@ -10,3 +10,3 @@\n         return 0.0\n     letters = sum(len(word.strip(".,;:!?")) for word in words)\n' +
      '-    return round(letters / len(sentences), 2)\n+    return round(letters / len(words), 1)\n',
    hangs: false,
  },
  {
    name: 'wrap-hang',
    number: 3,
    version: '0.3',
    feature: wrapFeature,
    fix: wrapFix,
    tests: wrapTests,
    failToPass: ['tests/test_wrap.py::test_wrap_word_longer_than_width'],
    passToPass: ['tests/test_wrap.py::test_wrap_short_words'],
    problemStatement:
      'Preview freezes on long URLs\n\n' +
      'The preview pane stops responding and the CPU fan spins up when a paragraph contains a long URL. ' +
      'A minimal example: `wrap("a extraordinarily long word", 6)` never returns.\n',
    hintsText: '',
    wrong: (files) => ({ 'textkit/wrap.py': files['textkit/wrap.py']!.replace('at word boundaries."""', 'at spaces."""') }),
    notApplying:
      'diff --git a/textkit/wrap.py b/textkit/wrap.py\n--- a/textkit/wrap.py\n+++ b/textkit/wrap.py\n' +
      '@@ -19,4 +19,4 @@\n         elif current:\n             lines.append(current)\n-            current = None\n+            current = str()\n     if current:\n',
    hangs: true,
  },
];

const defaultRepo = 'codemonkeys-fixtures/textkit';
/** Fixed identities and dates make every commit hash the same on every machine and run. */
const commitEnvironment = (second: number): Record<string, string> => {
  const date = `2024-01-0${1 + Math.floor(second / 10)}T12:00:${String(second % 10).padStart(2, '0')}Z`;
  return {
    GIT_AUTHOR_NAME: 'Fixture Author',
    GIT_AUTHOR_EMAIL: 'fixture@example.invalid',
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_NAME: 'Fixture Author',
    GIT_COMMITTER_EMAIL: 'fixture@example.invalid',
    GIT_COMMITTER_DATE: date,
  };
};

async function writeFiles(root: string, files: FixtureFiles): Promise<void> {
  for (const [relative, content] of Object.entries(files)) {
    const absolute = path.join(root, relative);
    await fs.mkdir(path.dirname(absolute), { recursive: true });
    await fs.writeFile(absolute, content);
  }
}

async function readFiles(root: string, paths: readonly string[]): Promise<FixtureFiles> {
  const files: FixtureFiles = {};
  for (const relative of paths) files[relative] = await fs.readFile(path.join(root, relative), 'utf8');
  return files;
}

/** The git diff that turns the checked-out files into `changes`, leaving the tree as it was. */
async function diffOf(root: string, changes: FixtureFiles): Promise<string> {
  await writeFiles(root, changes);
  const diff = await runGit(['diff', '--no-color', '--no-ext-diff', 'HEAD', '--', ...Object.keys(changes)], { cwd: root });
  await runGit(['checkout', 'HEAD', '--', ...Object.keys(changes)], { cwd: root });
  return diff;
}

async function commit(root: string, message: string, second: number): Promise<string> {
  await runGit(['add', '-A'], { cwd: root });
  await runGit(['commit', '-q', '--no-gpg-sign', '-m', message], { cwd: root, env: commitEnvironment(second) });
  return (await runGit(['rev-parse', 'HEAD'], { cwd: root })).trim();
}

/**
 * Builds, in a temporary folder, a real git repository of a small Python package ("textkit") with
 * three bugs at three commits, and the SWE-bench instances that describe them: gold patch, test
 * patch, FAIL_TO_PASS / PASS_TO_PASS (pytest node ids), a problem statement that describes the symptom
 * but not the cause, plus candidate patches with known verdicts. Commit hashes are deterministic.
 * Needs `git` on PATH; the tests run with `python3 -m pytest -rA` (see `fixtureEnvironmentSpecs`).
 */
export async function createFixtureRepository(options: FixtureRepositoryOptions = {}): Promise<FixtureRepository> {
  const requested = options.instances ?? ['word-count'];
  for (const name of requested) {
    if (!fixtureInstanceNames.includes(name)) {
      throw new NotFoundError(`No fixture instance named "${name}". Choose among: ${fixtureInstanceNames.join(', ')}.`);
    }
  }
  const repo = options.repo ?? defaultRepo;
  const ownsDirectory = options.directory === undefined;
  const parent = options.directory ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'codemonkeys-fixture-')));
  const root = path.join(parent, repo.split('/')[1] ?? 'textkit');
  await fs.mkdir(root, { recursive: true });
  await runGit(['init', '-q', '-b', 'main'], { cwd: root });
  await runGit(['config', 'core.autocrlf', 'false'], { cwd: root });

  await writeFiles(root, initialFiles);
  let second = 0;
  const firstCommit = await commit(root, 'Initial textkit: words, case, punctuation', second++);

  const instances = new Map<FixtureInstanceName, Instance>();
  const candidates = new Map<string, FixtureCandidate[]>();
  for (const definition of definitions) {
    const baseCommit = definition.feature
      ? await (async () => {
          await writeFiles(root, definition.feature!);
          return commit(root, `Add ${definition.name.replace('-hang', '')}`, second++);
        })()
      : firstCommit;
    const fixPaths = Object.keys(definition.fix);
    const baseFiles = await readFiles(root, fixPaths);
    const patch = await diffOf(root, definition.fix);
    const testPatch = await diffOf(root, definition.tests);
    const instanceId = `${repo.replace('/', '__')}-${definition.number}`;
    const instance = InstanceSchema.parse({
      instanceId,
      repo,
      baseCommit,
      patch,
      testPatch,
      problemStatement: definition.problemStatement,
      hintsText: definition.hintsText,
      createdAt: `2024-01-0${2 + definition.number}T09:00:00Z`,
      version: definition.version,
      failToPass: definition.failToPass,
      passToPass: definition.passToPass,
      environmentSetupCommit: firstCommit,
      extra: { fixture: definition.name },
    });
    const list: FixtureCandidate[] = [
      { name: 'gold', diff: patch, expected: { applies: true, resolved: true, hangs: false } },
      { name: 'empty', diff: '', expected: { applies: true, resolved: false, hangs: definition.hangs } },
      { name: 'not-applying', diff: definition.notApplying, expected: { applies: false, resolved: false, hangs: false } },
      { name: 'no-fix', diff: await diffOf(root, definition.wrong(baseFiles)), expected: { applies: true, resolved: false, hangs: definition.hangs } },
    ];
    if (definition.partial) list.push({ name: 'partial', diff: await diffOf(root, definition.partial), expected: { applies: true, resolved: false, hangs: false } });
    if (definition.regression) {
      list.push({ name: 'regression', diff: await diffOf(root, definition.regression(baseFiles)), expected: { applies: true, resolved: false, hangs: false } });
    }
    instances.set(definition.name, instance);
    candidates.set(instanceId, list);

    // The fix is merged, so the next instance starts from a repository where this bug is gone.
    await writeFiles(root, { ...definition.fix, ...definition.tests });
    await commit(root, `Fix ${definition.name} (#${definition.number})`, second++);
  }

  const selected = requested.map((name) => instances.get(name)!);
  return {
    root,
    repo,
    instances: selected,
    repositorySources: { [repo]: root },
    instance(name) {
      const found = requested.includes(name) ? instances.get(name) : undefined;
      if (!found) throw new NotFoundError(`Fixture instance "${name}" was not requested; pass it in options.instances.`);
      return found;
    },
    candidates(instanceId) {
      const found = selected.some((instance) => instance.instanceId === instanceId) ? candidates.get(instanceId) : undefined;
      if (!found) throw new NotFoundError(`No fixture instance "${instanceId}" in this repository (have: ${selected.map((instance) => instance.instanceId).join(', ')}).`);
      return found.map((candidate) => ({ ...candidate, expected: { ...candidate.expected } }));
    },
    async fileAt(commit, file) {
      return runGit(['show', `${commit}:${file}`], { cwd: root });
    },
    async cleanup() {
      await fs.rm(ownsDirectory ? parent : root, { recursive: true, force: true });
    },
  };
}
