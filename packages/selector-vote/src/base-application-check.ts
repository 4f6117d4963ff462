import { NotFoundError, PathOutsideRepositoryError, type Workspace } from '@codemonkeys/protocol';
import { applyHunks } from './apply-hunks';
import { parseFileDiffs } from './diff-files';

export interface BaseApplication {
  applies: boolean;
  reason?: string;
}

/**
 * The base-commit texts of the files diffs change, read once each through the workspace. A file that
 * is not there (or whose path leaves the repository) is absent from the map; any other failure to read
 * is an infrastructure failure and is thrown.
 */
export async function readBaseTexts(diffs: readonly string[], workspace: Workspace, into = new Map<string, string | undefined>()): Promise<Map<string, string | undefined>> {
  for (const diff of diffs) {
    for (const file of parseFileDiffs(diff)) {
      if (file.oldPath === undefined || into.has(file.oldPath)) continue;
      try {
        into.set(file.oldPath, await workspace.readFile(file.oldPath));
      } catch (error) {
        if (!NotFoundError.isInstance(error) && !PathOutsideRepositoryError.isInstance(error)) throw error;
        into.set(file.oldPath, undefined);
      }
    }
  }
  return into;
}

/**
 * Whether a diff would apply to the base commit, judged from the base texts without running anything:
 * every file it modifies, renames or deletes exists, and its hunks apply in order as GNU patch applies
 * them (at an offset, trailing whitespace ignored, up to two context lines dropped at each end). Used
 * when there is no sandbox; in the sandbox the real apply decides.
 */
export function checkAgainstBaseTexts(diff: string, baseTexts: ReadonlyMap<string, string | undefined>): BaseApplication {
  const files = parseFileDiffs(diff);
  if (files.length === 0) return { applies: false, reason: 'the diff has no file headers or hunks' };
  for (const file of files) {
    if (file.oldPath === undefined) continue;
    const base = baseTexts.get(file.oldPath);
    if (base === undefined) return { applies: false, reason: `${file.oldPath} does not exist at the base commit` };
    const application = applyHunks(base, file.hunks);
    if (!application.applies) return { applies: false, reason: `hunk ${application.hunk} of ${file.oldPath} does not match the base commit` };
  }
  return { applies: true };
}

/** `checkAgainstBaseTexts` with the texts read through the workspace. */
export async function checkAgainstBase(diff: string, workspace: Workspace): Promise<BaseApplication> {
  return checkAgainstBaseTexts(diff, await readBaseTexts([diff], workspace));
}
