import type { WritableWorkspace } from '@codemonkeys/protocol';

export interface PristineTrackingCopyOptions {
  /**
   * A copy nothing has changed yet: as `Workspace.createWritableCopy()` returns it (core's contract: a private
   * copy at the base commit), or one just reset.
   */
  copy: WritableWorkspace;
}

/**
 * The copy, with `reset()` skipped while nothing was changed through it since it was made or last reset.
 * `writeEditPlan` resets before every write so that a plan replaces the previous one; on a new copy that
 * reset is redundant, and in a repository workspace it costs two git processes (`reset --hard`, `clean`),
 * each a spawn that blocks the event loop. Every mutating call (`writeFile`, `deleteFile`, `applyPatch`,
 * and `diff()`, which stages new files as intent-to-add) marks the copy changed before it runs, so a call
 * that fails half-way still leads to a real reset. Only for callers that change the copy through these
 * methods, never by writing under `root` directly (the generator never does).
 */
export function createPristineTrackingCopy(options: PristineTrackingCopyOptions): WritableWorkspace {
  const { copy } = options;
  // Counted rather than a flag: a change made while a reset runs may or may not be undone by it.
  let changes = 0;
  let changesAtLastReset = 0;
  const changing =
    <A extends unknown[], R>(operation: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      changes += 1;
      return operation(...args);
    };
  return {
    instanceId: copy.instanceId,
    root: copy.root,
    listFiles: () => copy.listFiles(),
    readFile: (path) => copy.readFile(path),
    fileExists: (path) => copy.fileExists(path),
    writeFile: changing((path: string, content: string) => copy.writeFile(path, content)),
    deleteFile: changing((path: string) => copy.deleteFile(path)),
    applyPatch: changing((diff: string) => copy.applyPatch(diff)),
    diff: changing(() => copy.diff()),
    async reset() {
      if (changes === changesAtLastReset) return;
      const before = changes;
      await copy.reset();
      changesAtLastReset = before;
    },
    dispose: () => copy.dispose(),
  };
}
