/** The reproduction-test contract (CodeMonkeys': exit 2 = not fixed, 0 = fixed) and the answer format of a test. */
export function testScriptInstructions(command: string): string {
  return `# How to write the reproduction test

Write a standalone Python script that checks whether the issue is fixed. It is run from the repository root with
\`${command}\`, in an environment where the repository's dependencies are installed and there is no network.
Its exit code is its verdict:
- exit 2: the issue is NOT fixed. On the code as it is now, the script must exit with 2: that shows it reproduces
  the issue.
- exit 0: the issue is fixed.
- any other exit code (an uncaught exception exits with 1): the script itself went wrong.

Turn exactly the failure the issue describes into exit 2 (\`sys.exit(2)\`) and let anything unexpected crash.
Check only the behaviour the issue describes. Print what you check and what you got, so that the output helps
whoever fixes the issue. Leave no placeholders: the script is run as you write it.

Put the whole script between <test> and </test>:

<test>
import sys
from geometry.shapes import rectangle_area

area = rectangle_area(3, 4)
print(f"rectangle_area(3, 4) = {area}, expected 12")
sys.exit(0 if area == 12 else 2)
</test>`;
}
