import { issueSection } from './issue-section';

/** Optional pass before level 1: folders that certainly need no edit, pruned from the tree. */
export function irrelevantFoldersPrompt(options: { problemStatement: string; hintsText: string; tree: string }): string {
  return `Read the issue below and the structure of the repository, then name the folders that are irrelevant to resolving it: folders whose files surely need no edit and can be ignored.

${issueSection(options.problemStatement, options.hintsText)}

### Repository structure ###
${options.tree}

Naming a folder ignores everything below it, so never name a folder that holds a file that may need an edit.
Give one full folder path (from the repository root) per line, inside one fenced block, like this:
\`\`\`
docs/
package/contrib/
\`\`\`
Answer with the block only; give an empty block if no folder is irrelevant.`;
}
