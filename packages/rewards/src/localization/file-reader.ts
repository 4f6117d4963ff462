import type { Workspace } from '@codemonkeys/protocol';

/** Reads a base-commit file; undefined when it does not exist. */
export type BaseFileReader = (path: string) => Promise<string | undefined>;

/** A reader over a workspace (the repository at the instance's base commit). */
export function workspaceFileReader(workspace: Pick<Workspace, 'fileExists' | 'readFile'>): BaseFileReader {
  return async (path) => ((await workspace.fileExists(path).catch(() => false)) ? workspace.readFile(path) : undefined);
}

/** Lines of a text as the context renderer numbers them: a final newline ends the last line, it does not start another. */
export function countLines(text: string): number {
  if (text === '') return 0;
  const lines = text.split('\n').length;
  return text.endsWith('\n') ? lines - 1 : lines;
}
