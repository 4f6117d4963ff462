import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The content of `file` at `commit` in the repository at `root`. */
export async function fileAt(root: string, commit: string, file: string): Promise<string> {
  return (await run('git', ['show', `${commit}:${file}`], { cwd: root })).stdout;
}

/** A real unified diff (git diff --no-index) turning `before` into `after` for repository path `file`. */
export async function diffOf(file: string, before: string, after: string, context = 3): Promise<string> {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'vote-diff-'));
  try {
    await fs.mkdir(path.join(directory, 'a', path.dirname(file)), { recursive: true });
    await fs.mkdir(path.join(directory, 'b', path.dirname(file)), { recursive: true });
    await fs.writeFile(path.join(directory, 'a', file), before);
    await fs.writeFile(path.join(directory, 'b', file), after);
    const result = await run('git', ['diff', '--no-index', `-U${context}`, '--no-prefix', `a/${file}`, `b/${file}`], { cwd: directory }).catch((error: { stdout?: string; code?: number }) => {
      if (error.code === 1 && error.stdout) return { stdout: error.stdout };
      throw error;
    });
    return result.stdout;
  } finally {
    await fs.rm(directory, { recursive: true, force: true });
  }
}
