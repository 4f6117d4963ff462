import { issueSection } from './issue-section';

/** Level 1: from the repository tree, the files most likely to need an edit. */
export function fileLevelPrompt(options: { problemStatement: string; hintsText: string; tree: string; maxFiles: number }): string {
  return `Read the issue below and the structure of the repository, then name the files that most likely have to be edited to resolve the issue.

${issueSection(options.problemStatement, options.hintsText)}

### Repository structure ###
${options.tree}

Name at most ${options.maxFiles} files, most likely first, one full path (from the repository root) per line, inside one fenced block, like this:
\`\`\`
package/module_a.py
package/sub/module_b.py
\`\`\`
Answer with the block only.`;
}
