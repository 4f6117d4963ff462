import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GitCommandError } from '../git/git-command-error';
import { runCommand } from '../git/run-git';

/**
 * A real unified diff (`git diff --no-index`, `a/` and `b/` prefixes) that turns `before` into `after`
 * at repository path `file`, with `context` lines around each change (default 3): candidate patches
 * written the way git writes them, for tests.
 */
export async function unifiedDiffOf(file: string, before: string, after: string, options: { context?: number } = {}): Promise<string> {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'codemonkeys-diff-'));
  try {
    for (const side of ['a', 'b'] as const) {
      await fs.mkdir(path.join(directory, side, path.dirname(file)), { recursive: true });
      await fs.writeFile(path.join(directory, side, file), side === 'a' ? before : after);
    }
    // Exit 1 means "the files differ": the diff is on stdout.
    const command = ['diff', '--no-index', '--no-color', '--no-ext-diff', `-U${options.context ?? 3}`, '--no-prefix', `a/${file}`, `b/${file}`];
    const result = await runCommand('git', command, { cwd: directory, allowFailure: true });
    if (result.exitCode !== 0 && result.exitCode !== 1)
      throw new GitCommandError({ command: ['git', ...command], cwd: directory, exitCode: result.exitCode, stderr: result.stderr });
    return result.stdout.toString('utf8');
  } finally {
    await fs.rm(directory, { recursive: true, force: true });
  }
}
