import { issueSection } from './issue-section';

/** System message of the per-file judgment (the cheap "judge" model). */
export const judgmentSystemPrompt = `You decide whether one file of a code base may have to be edited, or must be understood, to resolve a GitHub issue.

Read the issue and the file. Think about what the file does and how it relates to the issue; many files are unrelated. Write your reasoning first, then end your answer with your decision in exactly one of these two forms:

RELEVANCE: Relevant
SUMMARY: <two or three sentences: what in this file matters for the issue and why>

RELEVANCE: Not Relevant

The summaries of relevant files are later compared to choose which files a developer sees, so make each summary specific: name the functions or classes involved and what they do with respect to the issue.`;

/** The user message of one judgment. */
export function judgmentPrompt(options: { problemStatement: string; hintsText: string; path: string; content: string }): string {
  return `${issueSection(options.problemStatement, options.hintsText)}

File: ${options.path}
<content>
${options.content}
</content>

Is this file relevant to resolving the issue? Reason first, then end with the RELEVANCE line (and the SUMMARY line for a relevant file).`;
}
