import type { OutlineEntry } from './outline';

export interface WorkspaceCapabilities {
  /** `outline()` and `skeleton()` parse source files. */
  readonly outline: boolean;
  /** `createWritableCopy()` gives a private copy whose changes become a diff. */
  readonly writableCopy: boolean;
}

/**
 * The repository of an instance at its base commit, read-only. Paths are POSIX, relative to the root;
 * paths that escape the repository are refused with PathOutsideRepositoryError.
 */
export interface Workspace {
  readonly specificationVersion: 'v1';
  readonly instanceId: string;
  readonly capabilities: WorkspaceCapabilities;
  /** Every tracked file, sorted. */
  listFiles(): Promise<string[]>;
  readFile(path: string): Promise<string>;
  fileExists(path: string): Promise<boolean>;
  /** Classes, functions and methods of a source file (throws UnsupportedCapabilityError where absent). */
  outline(path: string): Promise<OutlineEntry[]>;
  /** The file with bodies elided: imports, module constants, class/def lines, signatures and docstrings. */
  skeleton(path: string): Promise<string>;
  /** A private writable copy at the same commit; dispose it when done. */
  createWritableCopy(): Promise<WritableWorkspace>;
}

/** A private copy of the repository that a generator edits; its changes are the candidate patch. */
export interface WritableWorkspace {
  readonly instanceId: string;
  /** Directory of the copy on the local disk. */
  readonly root: string;
  listFiles(): Promise<string[]>;
  readFile(path: string): Promise<string>;
  fileExists(path: string): Promise<boolean>;
  writeFile(path: string, content: string): Promise<void>;
  deleteFile(path: string): Promise<void>;
  /** Applies a unified diff; throws when it does not apply or leaves the repository. */
  applyPatch(diff: string): Promise<void>;
  /** The unified diff (git format) of the copy against the base commit; '' when unchanged. */
  diff(): Promise<string>;
  /** Undo every change since the copy was made. */
  reset(): Promise<void>;
  dispose(): Promise<void>;
}
