import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * Counts the git processes this test process starts: a `git` script first on PATH appends its arguments
 * to a log, then runs the real git. Every spawn is counted, whoever makes it (no hook in the code under
 * test), which is what the counts are about: each spawn blocks the event loop.
 */
export interface GitCallRecorder {
  /** The git subcommands started since the last `clear()` (options such as `--git-dir X` skipped), in order. */
  calls(): Promise<string[]>;
  /** How many of `calls()` are `subcommand`. */
  count(subcommand: string): Promise<number>;
  clear(): Promise<void>;
  /** Restores PATH and removes the script. */
  restore(): Promise<void>;
}

const optionsWithValue = new Set(['--git-dir', '--work-tree', '-C', '-c']);

function subcommandOf(line: string): string {
  const words = line.split('\u0001');
  for (let index = 0; index < words.length; index++) {
    const word = words[index]!;
    if (optionsWithValue.has(word)) index++;
    else if (!word.startsWith('-')) return word;
  }
  return '';
}

export async function recordGitCalls(): Promise<GitCallRecorder> {
  const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'git-call-recorder-'));
  const log = path.join(directory, 'calls.log');
  await fs.writeFile(log, '');
  // One line per call, arguments joined by \u0001 (they may hold spaces); short appends are atomic.
  const script = `#!/bin/sh\n(IFS="$(printf '\\001')"; printf '%s\\n' "$*") >> '${log}'\nexec '${realGit}' "$@"\n`;
  await fs.writeFile(path.join(directory, 'git'), script, { mode: 0o755 });
  const previousPath = process.env.PATH;
  process.env.PATH = `${directory}${path.delimiter}${previousPath ?? ''}`;
  const calls = async (): Promise<string[]> =>
    (await fs.readFile(log, 'utf8'))
      .split('\n')
      .filter((line) => line !== '')
      .map(subcommandOf);
  return {
    calls,
    async count(subcommand) {
      return (await calls()).filter((call) => call === subcommand).length;
    },
    async clear() {
      await fs.writeFile(log, '');
    },
    async restore() {
      process.env.PATH = previousPath;
      await fs.rm(directory, { recursive: true, force: true });
    },
  };
}
