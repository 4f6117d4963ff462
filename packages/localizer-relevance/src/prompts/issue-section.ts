/** The issue as both prompts show it, inside <issue> tags; hints (comments before the fix) are part of the gold-free task. */
export function issueSection(problemStatement: string, hintsText: string): string {
  const hints = hintsText.trim() === '' ? '' : `\n\nComments on the issue:\n${hintsText.trim()}`;
  return `<issue>\n${problemStatement.trim()}${hints}\n</issue>`;
}
