import { issueSection } from './issue-section';

/** Level 2: from the skeletons of the chosen files, the classes, functions, methods and variables to inspect. */
export function elementLevelPrompt(options: { problemStatement: string; hintsText: string; skeletons: ReadonlyArray<{ path: string; skeleton: string }> }): string {
  const files = options.skeletons.map(({ path, skeleton }) => `### File: ${path} ###\n\`\`\`\n${skeleton}\n\`\`\``).join('\n\n');
  return `Read the issue below and the skeletons of some files of the repository (bodies are elided as "..."). Name every location that needs inspection or an edit to resolve the issue: the code directly involved and anything closely related.

${issueSection(options.problemStatement, options.hintsText)}

### Skeletons ###
${files}

Name each location as one of:
class: ClassName
function: function_name
function: ClassName.method_name
variable: VARIABLE_NAME
Naming a class covers all of its methods; name single methods when only they matter.
Group the locations under the full path of their file, inside one fenced block, like this:
\`\`\`
package/module_a.py
function: parse_header
class: Reader

package/module_b.py
function: Writer.flush
variable: DEFAULT_SIZE
\`\`\`
Answer with the block only.`;
}
