import { ModelConversation } from '../conversation/model-conversation';
import { emptyTotals } from '../conversation/call-totals';
import { parseEditAnswer } from '../edits/edit-answer';
import { describeRefusals, planEdits, writeEditPlan, type EditPlan } from '../edits/edit-plan';
import { reaskPrompt } from '../prompts/feedback-prompts';
import { systemPrompt } from '../prompts/system-prompt';
import { combinedTaskPrompt, editTaskPrompt, testTaskPrompt } from '../prompts/task-prompts';
import { parseTestScript } from '../tests/test-script-answer';
import { expectedAnswer, runTestIn, type SampleEnvironment } from './sample-environment';
import type { FinalState, RefusedAnswer, SampleResult, SampleTest } from './sample-record';

const noEditProblem = 'the answer holds no edit';
const noTestProblem = 'the answer holds no test script between <test> and </test>';

/**
 * One-shot sample: one answer with the fix (and with the test when `tests: combined`), asked again up to
 * `maxReasks` times when it cannot be used (no edit, a block that does not parse, an edit refused, a
 * missing test), showing the reasons. With `tests: independent` a second conversation writes the test
 * alone. When the context has a sandbox, the test is run on the original and the edited code and the
 * exit codes recorded. Never throws for what the model wrote.
 */
export async function runOneShotSample(environment: SampleEnvironment): Promise<SampleResult> {
  const { options, prompts } = environment;
  const totals = emptyTotals();
  const refusedAnswers: RefusedAnswer[] = [];
  const wantsCombinedTest = options.tests === 'combined';
  const parts = { issue: prompts.issue, code: prompts.code, editFormat: options.editFormat, testCommand: environment.test.command };
  const firstMessages = [
    { role: 'system' as const, content: systemPrompt },
    { role: 'user' as const, content: wantsCombinedTest ? combinedTaskPrompt(parts) : editTaskPrompt(parts) },
  ];
  const editing = new ModelConversation(environment.conversation, totals, firstMessages, environment.shared?.firstAnswerFor('edit', firstMessages, environment.sampleIndex));

  let plan: EditPlan | undefined;
  let test: string | undefined;
  let testProblem: string | undefined;
  let finalState: FinalState = 'answered';
  let failure: SampleResult['failure'];

  for (;;) {
    const outcome = await editing.ask();
    if (outcome.kind !== 'answer') {
      finalState = outcome.kind;
      failure =
        outcome.kind === 'context-exceeded'
          ? {
              reason: 'context-exceeded',
              message: `the prompt takes ${outcome.promptTokens} tokens; with ${options.maxAnswerTokens} for the answer it exceeds the context window of ${options.contextWindow}`,
            }
          : { reason: outcome.budgetExceeded ? 'budget-exceeded' : 'endpoint-error', message: outcome.message };
      break;
    }
    const problems: string[] = [];
    let refusals: RefusedAnswer['refusals'];
    if (!plan) {
      const parsed = parseEditAnswer(outcome.text, options.editFormat);
      if (parsed.problems.length > 0) problems.push(...parsed.problems);
      else if (parsed.edits.length === 0) problems.push(noEditProblem);
      else {
        const candidate = await planEdits(environment.base, parsed.edits, environment.match);
        if (candidate.refusals.length > 0) {
          refusals = candidate.refusals;
          problems.push(
            `these edits cannot be applied (nothing was applied):\n${describeRefusals(candidate.refusals, options.editFormat === 'search-replace' ? 'block' : 'hunk')}`,
          );
        } else {
          plan = candidate;
        }
      }
    }
    if (wantsCombinedTest && test === undefined) {
      const answer = parseTestScript(outcome.text);
      if (answer === undefined) problems.push(noTestProblem);
      else if ('problem' in answer) problems.push(answer.problem);
      else test = answer.content;
    }
    if (problems.length === 0) break;
    refusedAnswers.push({ conversation: 'editing', attempt: editing.attempts, problems, ...(refusals ? { refusals } : {}) });
    if (editing.attempts > options.maxReasks) {
      if (!plan) {
        finalState = 'unparseable';
        failure = { reason: 'unparseable', message: problems.join('\n') };
      } else testProblem = problems.join('\n');
      break;
    }
    editing.say(reaskPrompt(problems, expectedAnswer(environment, { edit: !plan, test: wantsCombinedTest && test === undefined })));
  }

  let testing: ModelConversation | undefined;
  if (options.tests === 'independent') {
    const testMessages = [
      { role: 'system' as const, content: systemPrompt },
      { role: 'user' as const, content: testTaskPrompt(parts) },
    ];
    testing = new ModelConversation(environment.conversation, totals, testMessages, environment.shared?.firstAnswerFor('test', testMessages, environment.sampleIndex));
    for (;;) {
      const outcome = await testing.ask();
      if (outcome.kind !== 'answer') {
        testProblem = outcome.kind === 'context-exceeded' ? 'the test conversation would exceed the context window' : `the test could not be written: ${outcome.message}`;
        break;
      }
      const answer = parseTestScript(outcome.text);
      const problem = answer === undefined ? noTestProblem : 'problem' in answer ? answer.problem : undefined;
      if (problem === undefined && answer && 'content' in answer) {
        test = answer.content;
        break;
      }
      refusedAnswers.push({ conversation: 'testing', attempt: testing.attempts, problems: [problem!] });
      if (testing.attempts > options.maxReasks) {
        testProblem = problem;
        break;
      }
      testing.say(reaskPrompt([problem!], expectedAnswer(environment, { edit: false, test: true })));
    }
  }

  let diff = '';
  if (plan) {
    const writeRefusals = await writeEditPlan(environment.copy, plan);
    if (writeRefusals.length > 0) {
      refusedAnswers.push({ conversation: 'editing', attempt: editing.attempts, problems: [describeRefusals(writeRefusals)], refusals: writeRefusals });
      plan = undefined;
      finalState = 'unparseable';
      failure = { reason: 'outside-repository', message: describeRefusals(writeRefusals) };
    } else diff = await environment.copy.diff();
  }

  let sampleTest: SampleTest | undefined;
  if (test !== undefined) {
    sampleTest = { content: test, source: options.tests === 'combined' ? 'combined' : 'independent' };
    if (environment.sandbox && options.runGeneratedTests) {
      sampleTest.original = await runTestIn(environment, environment.sandbox, test);
      if (plan && diff !== '') sampleTest.edited = await runTestIn(environment, environment.sandbox, test, diff);
    }
  }

  return {
    sample: environment.sampleIndex,
    mode: 'one-shot',
    diff,
    status: plan ? (diff === '' ? 'no-op' : 'ok') : 'failed',
    finalState,
    ...(failure ? { failure } : {}),
    edits: plan?.applied ?? [],
    refusedAnswers,
    ...(sampleTest ? { test: sampleTest } : {}),
    ...(testProblem && !sampleTest ? { testProblem } : {}),
    attempts: { editing: editing.attempts, ...(testing ? { testing: testing.attempts } : {}) },
    messages: [...editing.messages, ...(testing?.messages ?? [])],
    totals,
    resumed: false,
  };
}
