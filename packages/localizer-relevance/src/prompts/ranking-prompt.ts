import { issueSection } from './issue-section';

/** System message of a ranking (the stronger "ranker" model). */
export function rankingSystemPrompt(options: { tokenBudget: number; targetTokens: number }): string {
  return `You choose the context that a developer model will get to resolve a GitHub issue. It will see ONLY the files you rank, in your order, until a budget of ${options.tokenBudget} tokens is spent; files later in the list are dropped first.

You get the issue and, for every file judged possibly relevant, its path, its size in tokens and a summary of why it matters.

Rank the files:
- first every file that must or might be edited (be generous: a summary can miss what needs editing, and a missing file makes the fix impossible);
- then the files most needed to understand the code to change;
- leave out files that add nothing: about ${options.targetTokens} tokens is usually enough, though the list may use the whole budget for files that might need edits.

Think it through first, then end your answer with the ranking: a JSON list of paths, most important first, in one fenced block, like this:
\`\`\`json
["package/module_a.py", "package/sub/module_b.py"]
\`\`\``;
}

/** The user message of a ranking. */
export function rankingPrompt(options: { problemStatement: string; hintsText: string; files: ReadonlyArray<{ path: string; tokens: number; summary: string }> }): string {
  const files = options.files.map((file) => `File: ${file.path}\nTokens: ${file.tokens}\nSummary: ${file.summary}`).join('\n\n');
  return `${issueSection(options.problemStatement, options.hintsText)}

The files judged possibly relevant, in no particular order:

${files}

Rank them as described, ending with the JSON list in a fenced block.`;
}
