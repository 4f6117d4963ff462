import type { EditFormat } from '../edits/file-edit';

const searchReplaceInstructions = `# How to write an edit

Change files with SEARCH/REPLACE blocks. A block names one file and replaces one run of consecutive whole lines:

geometry/shapes.py
<<<<<<< SEARCH
def rectangle_area(width, height):
    return width + height
=======
def rectangle_area(width, height):
    return width * height
>>>>>>> REPLACE

Rules:
- Write the file's path, relative to the repository root, alone on the line just above "<<<<<<< SEARCH".
- Copy the SEARCH lines from the file exactly: whole lines, with their indentation, without the line numbers
  shown with the code. Take enough lines for them to occur only once in the file.
- The REPLACE lines are what the SEARCH lines become; indent them as the code needs.
- Use one block per change. Several blocks may change the same file; give them in the order of the file.
- To create a file, leave the SEARCH part empty: the REPLACE part becomes the whole file.
- Edit only files inside the repository.`;

const unifiedDiffInstructions = `# How to write an edit

Write the change as a unified diff inside a \`\`\`diff block:

\`\`\`diff
--- a/geometry/shapes.py
+++ b/geometry/shapes.py
@@ -10,2 +10,2 @@
 def rectangle_area(width, height):
-    return width + height
+    return width * height
\`\`\`

Rules:
- Give each file a "--- a/<path>" and a "+++ b/<path>" line, paths relative to the repository root.
- Start every hunk with an "@@" line (the line numbers in it may be left out: "@@ @@").
- Lines that stay start with a space, removed lines with "-", added lines with "+". Copy the kept and removed
  lines exactly from the file, without the line numbers shown with the code, with enough kept lines around each
  change for it to be found in only one place.
- To create a file, use "--- /dev/null" and add every line.
- Edit only files inside the repository.`;

/** The instructions of the answer format the edits must be written in. */
export function editFormatInstructions(format: EditFormat): string {
  return format === 'search-replace' ? searchReplaceInstructions : unifiedDiffInstructions;
}

/** A short name of the format, for task and re-ask prompts. */
export function editFormatName(format: EditFormat): string {
  return format === 'search-replace' ? 'SEARCH/REPLACE blocks' : 'a unified diff in a ```diff block';
}
