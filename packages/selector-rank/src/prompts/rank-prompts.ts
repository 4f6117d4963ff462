import type { Task } from '@codemonkeys/protocol';

/** Bumped whenever a prompt's text changes (recorded in metadata; cached answers of older prompts no longer match). */
export const promptVersion = 'rank-prompts-v1';

/** One candidate as the model sees it: a number, its diff, and (when known) what the generated tests said. */
export interface PresentedCandidate {
  /** 1-based number in this comparison. */
  number: number;
  diff: string;
  /** One line per generated test, e.g. `reproduce_issue.py: fixed (exit 0)`. */
  testResults?: string[];
  /** Other candidates with exactly this diff. */
  duplicates: number;
}

export const systemPrompt =
  'You are an expert software engineer reviewing candidate patches for a GitHub issue. Several candidate patches were ' +
  'written independently; at most a few of them resolve the issue. Judge each candidate on whether it fixes the ' +
  'behaviour the issue describes without breaking other behaviour, not on style.';

function issueSection(task: Task): string {
  const hints = task.hintsText.trim() ? `\n\n### Hints (comments on the issue) ###\n${task.hintsText.trim()}` : '';
  return `### Issue (${task.repo}) ###\n${task.problemStatement.trim()}${hints}`;
}

function candidateSection(candidate: PresentedCandidate): string {
  const duplicate = candidate.duplicates > 0 ? ` (also written, identically, by ${candidate.duplicates} other sample${candidate.duplicates === 1 ? '' : 's'})` : '';
  const tests =
    candidate.testResults && candidate.testResults.length > 0 ? `\nGenerated tests on this candidate:\n${candidate.testResults.map((line) => `- ${line}`).join('\n')}` : '';
  return `### Candidate ${candidate.number}${duplicate} ###\n\`\`\`diff\n${candidate.diff.trimEnd()}\n\`\`\`${tests}`;
}

/** The comparison: the issue, the candidates, and what to answer. */
export function comparisonPrompt(
  task: Task,
  candidates: readonly PresentedCandidate[],
  options: { originalTestResults?: string[]; mayWriteTests: boolean; attemptsLeft: number },
): string {
  const original =
    options.originalTestResults && options.originalTestResults.length > 0
      ? `\n\n### Generated tests on the original (unpatched) code ###\n${options.originalTestResults.map((line) => `- ${line}`).join('\n')}\n` +
        'A generated test exits 0 when it finds the issue fixed and 2 when it does not; other exits are errors. The tests were written by the same process that wrote the candidates and may themselves be wrong.'
      : '';
  const answer = options.mayWriteTests
    ? `You may first write a Python test script that tells the candidates apart: it will run, from the repository root, on the original code and on every candidate, and you will see its exit code and output on each. ` +
      `To do so, answer with the script alone in a \`\`\`python block. You may do this ${options.attemptsLeft} more time${options.attemptsLeft === 1 ? '' : 's'}. ` +
      'When you are sure, explain your reasoning briefly and end your answer with <choice>N</choice>, N being the number of the candidate you choose.'
    : 'Explain your reasoning briefly, then end your answer with <choice>N</choice>, N being the number of the candidate you choose.';
  return [issueSection(task), original, ...candidates.map(candidateSection), `### Your task ###\nWhich candidate resolves the issue? ${answer}`].filter(Boolean).join('\n\n');
}

/** The results of the model's own test, shown before its next turn. */
export function testRunPrompt(results: ReadonlyArray<{ label: string; summary: string }>, attemptsLeft: number): string {
  const blocks = results.map((result) => `### ${result.label} ###\n${result.summary}`);
  const next =
    attemptsLeft > 0
      ? `You may write ${attemptsLeft} more test script${attemptsLeft === 1 ? '' : 's'} (a \`\`\`python block), or choose now with <choice>N</choice>.`
      : 'You have no test runs left: choose now, ending your answer with <choice>N</choice>.';
  return `Your test script ran on the original code and on every candidate:\n\n${blocks.join('\n\n')}\n\n${next}`;
}

/** Asked once when an answer could not be used. */
export const reaskPrompt = (problem: string): string => `${problem}\nAnswer again; end your answer with <choice>N</choice>.`;

/** Asked when the model wrote a test after its last attempt. */
export const mustChoosePrompt = (candidateCount: number): string =>
  `No more test runs are possible. Choose one of the candidates 1 to ${candidateCount} now, ending your answer with <choice>N</choice>.`;
