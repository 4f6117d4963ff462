// The parsed shape of a unified diff is defined in @codemonkeys/plugin-kit beside its parser.
export type { DiffHunk, DiffLine, FileDiff, FileDiffStatus } from '@codemonkeys/plugin-kit';
