import { PathOutsideRepositoryError, normalizeRepositoryPath, type Workspace, type WritableWorkspace } from '@codemonkeys/protocol';
import { locateBlock, type MatchMethod, type MatchSettings } from './block-matcher';
import { editLines, type FileEdit } from './file-edit';
import { joinFileLines, spliceFileLines, splitFileLines } from './file-lines';

/** How one edit went in. Lines are 1-based, inclusive, in the file as it was before this edit. */
export interface AppliedEdit {
  index: number;
  path: string;
  method: MatchMethod | 'new-file' | 'deleted-file';
  startLine?: number;
  endLine?: number;
  /** 1 for exact and whitespace matches, the mean line ratio for fuzzy ones. */
  similarity?: number;
  lineNumbersStripped?: boolean;
}

export const refusalReasons = ['outside-repository', 'file-missing', 'file-exists', 'not-found', 'ambiguous', 'unreadable'] as const;
export type RefusalReason = (typeof refusalReasons)[number];

/** An edit that was not applied, and why (the message is shown to the model). */
export interface EditRefusal {
  index: number;
  path: string;
  reason: RefusalReason;
  message: string;
}

/**
 * The result of planning an answer's edits against the base commit: the new content of every touched
 * file (null: deleted), how each edit matched, and the edits refused. Nothing is written while planning,
 * so a refused answer leaves the writable copy as it was.
 */
export interface EditPlan {
  applied: AppliedEdit[];
  refusals: EditRefusal[];
  /** New content per repository path (null = delete), in the order first touched. */
  files: Map<string, string | null>;
  /** Paths whose planned content differs from the base commit. */
  changedPaths: string[];
}

/** What planning reads: the repository at the base commit (a read-only workspace). */
export type EditBase = Pick<Workspace, 'readFile' | 'fileExists'>;

/**
 * Plans `edits` in order against the base commit: a file touched twice gets the second edit on the
 * result of the first. Paths are normalized with core's `normalizeRepositoryPath`: absolute paths, `..`
 * escapes and `.git` are refused. An empty SEARCH creates a file that does not exist (or fills an empty
 * one); it is refused for a file with content, since where to put the text would be a guess.
 */
export async function planEdits(base: EditBase, edits: readonly FileEdit[], settings: MatchSettings): Promise<EditPlan> {
  const files = new Map<string, string | null>();
  const original = new Map<string, string | null>();
  const applied: AppliedEdit[] = [];
  const refusals: EditRefusal[] = [];

  const contentOf = async (path: string): Promise<string | null> => {
    if (files.has(path)) return files.get(path)!;
    if (!original.has(path)) original.set(path, (await base.fileExists(path)) ? await base.readFile(path) : null);
    return original.get(path)!;
  };

  for (const edit of edits) {
    const refuse = (reason: RefusalReason, message: string, path = edit.path): void => {
      refusals.push({ index: edit.index, path, reason, message });
    };
    let path: string;
    try {
      path = normalizeRepositoryPath(edit.path);
    } catch (error) {
      refuse('outside-repository', error instanceof Error ? error.message : String(error));
      continue;
    }
    let content: string | null;
    try {
      content = await contentOf(path);
    } catch (error) {
      if (PathOutsideRepositoryError.isInstance(error)) refuse('outside-repository', error.message, path);
      else refuse('unreadable', `the file cannot be read (${error instanceof Error ? error.message : String(error)})`, path);
      continue;
    }

    if (edit.deleteFile) {
      if (content === null) refuse('file-missing', 'the file to delete does not exist', path);
      else {
        files.set(path, null);
        applied.push({ index: edit.index, path, method: 'deleted-file' });
      }
      continue;
    }
    // SEARCH with no lines (or only blank ones, as models write it) names a file to create; for a file
    // with content, blank SEARCH lines are searched for like any others.
    if (edit.search === '' || (edit.search.trim() === '' && (content === null || content === ''))) {
      if (content === null || content === '') {
        files.set(path, edit.replace);
        applied.push({ index: edit.index, path, method: 'new-file' });
      } else {
        refuse('file-exists', 'the SEARCH part is empty but the file exists and is not empty; put the lines next to the change in SEARCH and repeat them in REPLACE', path);
      }
      continue;
    }
    if (content === null) {
      refuse('file-missing', 'the file does not exist at the commit being fixed (paths are relative to the repository root; to create a file, leave SEARCH empty)', path);
      continue;
    }
    const file = splitFileLines(content);
    const match = locateBlock(file.lines, editLines(edit.search), editLines(edit.replace), settings);
    if (!match.found) {
      refuse(match.reason, match.message, path);
      continue;
    }
    files.set(path, joinFileLines(spliceFileLines(file, match.start, match.end, match.replacement)));
    applied.push({
      index: edit.index,
      path,
      method: match.method,
      startLine: match.start + 1,
      endLine: match.end,
      similarity: Math.round(match.similarity * 1000) / 1000,
      ...(match.lineNumbersStripped ? { lineNumbersStripped: true } : {}),
    });
  }

  const changedPaths: string[] = [];
  for (const [path, content] of files) {
    const before = original.has(path) ? original.get(path)! : await contentOf(path);
    if (before !== content) changedPaths.push(path);
  }
  return { applied, refusals, files, changedPaths };
}

/**
 * Makes the writable copy hold exactly the base commit plus `plan` (earlier edits are undone first).
 * A file the copy refuses to write (a symbolic link out of the repository) becomes a refusal and the
 * copy is reset. The reset costs git processes in a repository workspace; wrap a new copy with
 * `createPristineTrackingCopy` to skip it while nothing has been written.
 */
export async function writeEditPlan(copy: WritableWorkspace, plan: EditPlan): Promise<EditRefusal[]> {
  await copy.reset();
  for (const [path, content] of plan.files) {
    try {
      if (content === null) await copy.deleteFile(path);
      else await copy.writeFile(path, content);
    } catch (error) {
      if (!PathOutsideRepositoryError.isInstance(error)) throw error;
      await copy.reset();
      const index = plan.applied.find((edit) => edit.path === path)?.index ?? 0;
      return [{ index, path, reason: 'outside-repository', message: error.message }];
    }
  }
  return [];
}

/** Refusals as lines for the model: `- block 2 (textkit/a.py): the SEARCH text occurs 2 times ...`. */
export function describeRefusals(refusals: readonly EditRefusal[], unit = 'block'): string {
  return refusals.map((refusal) => `- ${unit} ${refusal.index + 1} (${refusal.path}): ${refusal.message}`).join('\n');
}
