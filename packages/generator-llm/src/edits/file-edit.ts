/** The two answer formats a model may write its edit in. */
export const editFormats = ['search-replace', 'unified-diff'] as const;
export type EditFormat = (typeof editFormats)[number];

/**
 * One change a model asked for: replace the lines `search` of `path` by `replace`. Texts hold whole
 * lines, each ending with `\n` (so `''` is no line at all and `'\n'` one blank line). An empty `search`
 * creates a file (or fills an empty one); `deleteFile` removes it (unified diffs to /dev/null).
 */
export interface FileEdit {
  /** Position of the block in the answer, from 0 (named in refusals as "block index + 1"). */
  index: number;
  /** The path as the model wrote it, cleaned of decoration (quotes, `###`, `a/`). Checked when applied. */
  path: string;
  search: string;
  replace: string;
  deleteFile?: boolean;
}

/** What a parser found in an answer: the edits, and what made the rest unusable (said so the model can act on it). */
export interface ParsedEdits {
  edits: FileEdit[];
  problems: string[];
}

/** Lines as an edit text: each line ends with `\n`. */
export const joinEditLines = (lines: readonly string[]): string => lines.map((line) => `${line}\n`).join('');

/** The lines of an edit text (the inverse of `joinEditLines`). */
export const editLines = (text: string): string[] => (text === '' ? [] : (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n'));
