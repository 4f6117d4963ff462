import type { Task } from '@codemonkeys/protocol';

/** The issue as the model reads it: repository, version, problem statement and, when asked for, the hints. */
export function issueSection(task: Task, options: { useHints: boolean }): string {
  const version = task.version ? `, version ${task.version}` : '';
  const hints = options.useHints && task.hintsText.trim() !== '' ? `\n\nComments made on the issue before it was fixed:\n<hints>\n${task.hintsText.trim()}\n</hints>` : '';
  return `# The issue\n\nReported in the repository ${task.repo}${version}:\n\n<issue>\n${task.problemStatement.trim()}\n</issue>${hints}`;
}

/** The code the localization chose, rendered by core's renderer (numbered lines in `[start of path]` blocks). */
export function codeSection(renderedContext: string): string {
  if (renderedContext.trim() === '') {
    return '# The code\n\nNo code was selected for this issue. Name files by their paths relative to the repository root.';
  }
  return (
    '# The code\n\nParts of the repository that matter for the issue, at the commit to fix. Every line is shown as ' +
    '`<line number> | <code>`; the numbers and the ` | ` are not part of the files, and `...` marks lines left out.\n\n' +
    renderedContext
  );
}
