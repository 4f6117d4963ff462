import type { Message, InstanceSandbox, Task } from '@codemonkeys/protocol';
import { fencedCodeBlocks, runTestMatrix } from '@codemonkeys/plugin-kit';
import { InvalidChoiceError, parseChoice } from './choice-parser';
import type { Contender } from './contenders';
import type { ModelExchange } from './model-exchange';
import { comparisonPrompt, mustChoosePrompt, reaskPrompt, systemPrompt, testRunPrompt, type PresentedCandidate } from './prompts/rank-prompts';

/** A test the model wrote, and what it did on the original code and on each candidate. */
export interface ModelTestRun {
  path: string;
  /** `original` and then `candidate N` (numbers of this comparison) → outcome and exit code. */
  results: Record<string, { exitCode: number | null; outcome: string }>;
}

export type ConversationResult =
  | { status: 'chosen'; contender: Contender; reasoning: string; tests: ModelTestRun[]; answers: number }
  /** No usable answer (unparseable twice, out of range twice, or a failed call): the caller falls back. */
  | { status: 'failed'; reason: string; tests: ModelTestRun[]; answers: number; lastAnswer?: string };

export interface ConversationOptions {
  task: Task;
  contenders: readonly Contender[];
  exchange: ModelExchange;
  /** Where the model's tests run; undefined = single-turn. */
  sandbox?: InstanceSandbox;
  maxAttempts: number;
  showTestResults: boolean;
  originalTestResults?: string[];
  testTimeoutMs: number;
  maxTestOutputChars: number;
  /** Characters of each diff shown at most (a tournament round that still does not fit cuts diffs). */
  maxDiffChars?: number;
  signal: AbortSignal;
}

/** The model's test script: its first closed fenced block tagged Python or untagged (a block cut by the token limit is not run). */
const testScriptOf = (answer: string): string | undefined => fencedCodeBlocks(answer).find((block) => block.closed && /^(?:python3?|py)?$/i.test(block.language))?.content;

const truncate = (text: string, limit: number | undefined): string =>
  limit === undefined || text.length <= limit ? text : `${text.slice(0, limit)}\n[… ${text.length - limit} more characters of this diff not shown]\n`;

export function presentCandidates(contenders: readonly Contender[], showTestResults: boolean, maxDiffChars?: number): PresentedCandidate[] {
  return contenders.map((contender, index) => ({
    number: index + 1,
    diff: truncate(contender.diff, maxDiffChars),
    duplicates: contender.members.length - 1,
    ...(showTestResults && contender.testResults ? { testResults: contender.testResults } : {}),
  }));
}

/** The first prompt of a comparison (also used to measure whether the candidates fit the context). */
export function openingMessages(
  options: Pick<ConversationOptions, 'task' | 'contenders' | 'showTestResults' | 'originalTestResults' | 'maxDiffChars' | 'maxAttempts'> & { mayWriteTests: boolean },
): Message[] {
  return [
    { role: 'system', content: systemPrompt },
    {
      role: 'user',
      content: comparisonPrompt(options.task, presentCandidates(options.contenders, options.showTestResults, options.maxDiffChars), {
        ...(options.showTestResults && options.originalTestResults ? { originalTestResults: options.originalTestResults } : {}),
        mayWriteTests: options.mayWriteTests,
        attemptsLeft: options.maxAttempts,
      }),
    },
  ];
}

/**
 * One comparison. Single-turn: the model names a candidate; an unusable answer is asked again once.
 * State machine (a sandbox and attempts left): the model may instead answer with a Python test script,
 * which runs on the original code and on every candidate; it sees the exit codes and outputs and goes on,
 * until it chooses or its attempts are spent (then it must choose).
 */
export async function converse(options: ConversationOptions): Promise<ConversationResult> {
  const mayWriteTests = options.sandbox !== undefined && options.maxAttempts > 0;
  const messages = openingMessages({ ...options, mayWriteTests });
  const tests: ModelTestRun[] = [];
  let attemptsLeft = mayWriteTests ? options.maxAttempts : 0;
  let reasked = false;
  let answers = 0;
  let lastAnswer: string | undefined;
  // Every turn either spends an attempt, spends the one re-ask, or ends: this bounds the loop.
  for (let turn = 0; turn < options.maxAttempts + 3; turn += 1) {
    const answer = await options.exchange.ask(messages);
    if (!answer.ok) return { status: 'failed', reason: `the model call failed: ${answer.error}`, tests, answers, ...(lastAnswer ? { lastAnswer } : {}) };
    answers += 1;
    lastAnswer = answer.text;
    messages.push({ role: 'assistant', content: answer.text });
    let problem: string;
    try {
      const number = parseChoice(answer.text, options.contenders.length);
      return { status: 'chosen', contender: options.contenders[number - 1]!, reasoning: answer.text, tests, answers };
    } catch (error) {
      if (!(error instanceof InvalidChoiceError)) throw error;
      problem = error.message;
    }
    const script = testScriptOf(answer.text);
    if (script !== undefined && /<choice>/i.test(answer.text) === false && options.sandbox) {
      if (attemptsLeft > 0) {
        attemptsLeft -= 1;
        const run = await runModelTest(options, script, tests.length + 1);
        tests.push(run.record);
        messages.push({ role: 'user', content: testRunPrompt(run.shown, attemptsLeft) });
        continue;
      }
      if (!reasked) {
        reasked = true;
        messages.push({ role: 'user', content: mustChoosePrompt(options.contenders.length) });
        continue;
      }
    }
    if (reasked) return { status: 'failed', reason: `no usable choice after asking again: ${problem}`, tests, answers, lastAnswer: answer.text };
    reasked = true;
    messages.push({ role: 'user', content: reaskPrompt(problem) });
  }
  return { status: 'failed', reason: 'the conversation ran out of turns without a choice', tests, answers, ...(lastAnswer ? { lastAnswer } : {}) };
}

async function runModelTest(options: ConversationOptions, script: string, attempt: number): Promise<{ record: ModelTestRun; shown: Array<{ label: string; summary: string }> }> {
  const path = `codemonkeys_selection_test_${attempt}.py`;
  const matrix = await runTestMatrix({
    sandbox: options.sandbox!,
    diffs: options.contenders.map((contender) => contender.diff),
    tests: [{ path, content: script, command: `python3 ${path}`, metadata: {} }],
    includeOriginal: true,
    timeoutMs: options.testTimeoutMs,
    maxOutputChars: options.maxTestOutputChars,
    signal: options.signal,
  });
  const columns = [{ label: 'Original code', cell: matrix.original![0]! }, ...matrix.cells[0]!.map((cell, index) => ({ label: `Candidate ${index + 1}`, cell }))];
  const results: ModelTestRun['results'] = {};
  for (const column of columns)
    results[column.label === 'Original code' ? 'original' : column.label.toLowerCase()] = { exitCode: column.cell.exitCode, outcome: column.cell.outcome };
  return {
    record: { path, results },
    shown: columns.map((column) => ({
      label: column.label,
      summary:
        column.cell.outcome === 'not-applied'
          ? 'The candidate does not apply; the test did not run.'
          : `${column.cell.outcome === 'timeout' ? 'Timed out.' : `Exit code ${column.cell.exitCode}.`}\n\`\`\`\n${column.cell.output.trim() || '(no output)'}\n\`\`\``,
    })),
  };
}
