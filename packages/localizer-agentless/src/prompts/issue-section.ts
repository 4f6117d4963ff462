/** The issue as every prompt shows it. Hints are the issue's comments before the fix, part of the gold-free task. */
export function issueSection(problemStatement: string, hintsText: string): string {
  const hints = hintsText.trim() === '' ? '' : `\n\n### Comments on the issue ###\n${hintsText.trim()}`;
  return `### Issue ###\n${problemStatement.trim()}${hints}`;
}
