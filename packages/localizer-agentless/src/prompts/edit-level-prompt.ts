import { issueSection } from './issue-section';

/** Level 3: from the code of the chosen elements, with line numbers, the exact places to edit. */
export function editLevelPrompt(options: { problemStatement: string; hintsText: string; code: string }): string {
  return `Read the issue below and the code that may be involved. Every code line starts with its line number in the file. Name the exact places that must be edited to resolve the issue.

${issueSection(options.problemStatement, options.hintsText)}

### Code ###
${options.code}

Name each place as one of:
line: 42
lines: 40-47
function: function_name
function: ClassName.method_name
class: ClassName
Prefer line numbers; name a function or class only when most of it must change.
Group the places under the full path of their file, inside one fenced block, like this:
\`\`\`
package/module_a.py
line: 120
function: Reader.read_header

package/module_b.py
lines: 14-18
\`\`\`
Answer with the block only.`;
}
