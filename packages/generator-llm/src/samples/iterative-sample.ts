import type { InstanceSandbox, Message } from '@codemonkeys/protocol';
import { emptyTotals } from '../conversation/call-totals';
import { ModelConversation, type TurnOutcome } from '../conversation/model-conversation';
import { parseEditAnswer } from '../edits/edit-answer';
import { describeRefusals, planEdits, writeEditPlan, type EditPlan } from '../edits/edit-plan';
import type { FileEdit } from '../edits/file-edit';
import { editFormatInstructions } from '../prompts/edit-format-instructions';
import { editFeedbackPrompt, editingStartPrompt, reaskPrompt, testNotReproducingPrompt, testRunFeedbackPrompt } from '../prompts/feedback-prompts';
import { systemPrompt } from '../prompts/system-prompt';
import { combinedTaskPrompt, testTaskPrompt } from '../prompts/task-prompts';
import { testScriptInstructions } from '../prompts/test-script-instructions';
import { declaresDone, parseTestScript } from '../tests/test-script-answer';
import type { TestRun } from '../tests/reproduction-test-run';
import { expectedAnswer, runTestIn, type SampleEnvironment } from './sample-environment';
import type { FinalState, SampleResult, SampleTest } from './sample-record';
import type { IterativeState } from './sample-work-state';

type EditingState = NonNullable<IterativeState['editing']>;
type TestingState = NonNullable<IterativeState['testing']>;

/** The state an iterative sample starts from: the testing conversation (tests: independent) or the combined editing one. */
export function initialIterativeState(environment: SampleEnvironment): IterativeState {
  const { options, prompts } = environment;
  const parts = { issue: prompts.issue, code: prompts.code, editFormat: options.editFormat, testCommand: environment.test.command };
  const base = { refusedAnswers: [], iterations: [], totals: emptyTotals() };
  if (options.tests === 'combined') {
    return {
      ...base,
      phase: 'editing',
      editing: {
        messages: [
          { role: 'system', content: systemPrompt },
          { role: 'user', content: combinedTaskPrompt(parts) },
        ],
        applied: [],
      },
    };
  }
  return {
    ...base,
    phase: 'testing',
    testing: {
      messages: [
        { role: 'system', content: systemPrompt },
        { role: 'user', content: testTaskPrompt(parts) },
      ],
    },
  };
}

/** Why a conversation stopped, from the outcome of a call that gave no answer. */
function stoppedBy(outcome: Exclude<TurnOutcome, { kind: 'answer' }>, contextWindow: number): { finalState: FinalState; failureMessage: string } {
  if (outcome.kind === 'context-exceeded') {
    return {
      finalState: 'context-exceeded',
      failureMessage: `the conversation takes ${outcome.promptTokens} tokens; the next answer would not fit the context window of ${contextWindow}`,
    };
  }
  return { finalState: 'endpoint-error', failureMessage: outcome.message };
}

/**
 * CodeMonkeys' testing state machine: the model writes a reproduction test, it runs on the original code,
 * the model sees the output and answers `<done>` (accepted only when the test exits with 2) or a revised
 * test, until done or out of attempts. Every model call, re-asks included, is an attempt.
 */
async function runTestingMachine(environment: SampleEnvironment, sandbox: InstanceSandbox, state: IterativeState, persist: () => Promise<void>): Promise<void> {
  const testing = state.testing as TestingState;
  const { options } = environment;
  const maxAttempts = options.maxTestAttempts ?? options.maxAttempts;
  const conversation = new ModelConversation(
    environment.conversation,
    state.totals,
    testing.messages,
    environment.shared?.firstAnswerFor('test', testing.messages, environment.sampleIndex),
  );
  const refuse = (problem: string, followUp: string): void => {
    state.refusedAnswers.push({ conversation: 'testing', attempt: conversation.attempts, problems: [problem] });
    conversation.say(followUp);
  };
  for (;;) {
    if (conversation.attempts >= maxAttempts) {
      testing.finalState = 'attempts-exhausted';
      break;
    }
    const outcome = await conversation.ask();
    if (outcome.kind !== 'answer') {
      Object.assign(testing, stoppedBy(outcome, options.contextWindow));
      break;
    }
    const answer = parseTestScript(outcome.text);
    if (answer && 'content' in answer) {
      testing.test = answer.content;
      testing.lastRun = await runTestIn(environment, sandbox, answer.content);
      conversation.say(testRunFeedbackPrompt(testing.lastRun));
    } else if (answer) {
      refuse(answer.problem, reaskPrompt([answer.problem], expectedAnswer(environment, { edit: false, test: true })));
    } else if (declaresDone(outcome.text)) {
      if (testing.lastRun?.verdict === 'not-fixed') {
        testing.finalState = 'done';
        break;
      }
      refuse('<done> for a test that does not exit with 2 on the original code', testNotReproducingPrompt(testing.lastRun));
    } else {
      const problem = 'the answer holds neither a test script between <test> and </test> nor <done>';
      refuse(problem, reaskPrompt([problem], 'either <done> or the whole test script between <test> and </test>'));
    }
    testing.messages = [...conversation.messages];
    await persist();
  }
  testing.messages = [...conversation.messages];
}

/** The first messages of the editing conversation once a test exists (tests: independent). */
function editingMessages(environment: SampleEnvironment, test: string, run: TestRun | undefined): Message[] {
  const { options, prompts } = environment;
  const instructions = `${prompts.issue}\n\n${prompts.code}\n\n${editFormatInstructions(options.editFormat)}\n\n${testScriptInstructions(environment.test.command)}`;
  return [
    { role: 'system', content: systemPrompt },
    { role: 'user', content: `${instructions}\n\n${editingStartPrompt(test, run, options.editFormat)}` },
  ];
}

/**
 * CodeMonkeys' editing state machine: each edit (written against the original code, replacing the
 * previous one) is planned and applied to the writable copy, the test runs on the original and on the
 * edited code, and the model sees the diff and both outputs (capped); it answers with a new edit, a new
 * test, or `<done>`. Unusable answers (unparseable, refused, a no-op edit, `<done>` before any edit) are
 * re-asked with the reasons and count as attempts.
 */
async function runEditingMachine(
  environment: SampleEnvironment,
  sandbox: InstanceSandbox,
  state: IterativeState,
  persist: () => Promise<void>,
  resumedPlan: EditPlan | undefined,
): Promise<EditPlan | undefined> {
  const editing = state.editing as EditingState;
  const { options } = environment;
  const unit = options.editFormat === 'search-replace' ? 'block' : 'hunk';
  let plan = resumedPlan;
  const conversation = new ModelConversation(
    environment.conversation,
    state.totals,
    editing.messages,
    options.tests === 'combined' ? environment.shared?.firstAnswerFor('combined', editing.messages, environment.sampleIndex) : undefined,
  );
  for (;;) {
    if (conversation.attempts >= options.maxAttempts) {
      editing.finalState = 'attempts-exhausted';
      break;
    }
    const outcome = await conversation.ask();
    if (outcome.kind !== 'answer') {
      Object.assign(editing, stoppedBy(outcome, options.contextWindow));
      break;
    }
    const problems: string[] = [];
    let refusals: EditPlan['refusals'] | undefined;
    let newPlan: EditPlan | undefined;
    let newEdits: FileEdit[] | undefined;
    let newTest: string | undefined;

    const parsed = parseEditAnswer(outcome.text, options.editFormat);
    const hasEdit = parsed.edits.length > 0 || parsed.problems.length > 0;
    if (parsed.problems.length > 0) problems.push(...parsed.problems);
    else if (parsed.edits.length > 0) {
      const candidate = await planEdits(environment.base, parsed.edits, environment.match);
      if (candidate.refusals.length > 0) {
        refusals = candidate.refusals;
        problems.push(`these edits cannot be applied (nothing was applied, the current edit stays):\n${describeRefusals(candidate.refusals, unit)}`);
      } else if (candidate.changedPaths.length === 0) {
        problems.push('the edit changes nothing: its new lines equal the lines they replace');
      } else {
        newPlan = candidate;
        newEdits = parsed.edits;
      }
    }
    const testAnswer = parseTestScript(outcome.text);
    if (testAnswer && 'problem' in testAnswer) problems.push(testAnswer.problem);
    else if (testAnswer) newTest = testAnswer.content;

    if (problems.length === 0 && !hasEdit && !testAnswer) {
      if (declaresDone(outcome.text)) {
        if (plan) {
          editing.finalState = 'done';
          break;
        }
        problems.push('there is no edit yet: give an edit before answering <done>');
      } else problems.push('the answer holds no edit, no test between <test> and </test>, and no <done>');
    }
    if (problems.length === 0 && editing.test === undefined && newTest === undefined) problems.push('the answer holds no test script between <test> and </test>');

    if (problems.length === 0 && newPlan) {
      const writeRefusals = await writeEditPlan(environment.copy, newPlan);
      if (writeRefusals.length > 0) {
        refusals = writeRefusals;
        problems.push(`these edits cannot be applied:\n${describeRefusals(writeRefusals, unit)}`);
        if (plan) await writeEditPlan(environment.copy, plan);
      }
    }
    if (problems.length > 0) {
      state.refusedAnswers.push({ conversation: 'editing', attempt: conversation.attempts, problems, ...(refusals ? { refusals } : {}) });
      const wantsTest = editing.test === undefined;
      conversation.say(reaskPrompt(problems, wantsTest ? expectedAnswer(environment, { edit: !plan, test: true }) : 'a new edit, a new test, or <done>'));
      editing.messages = [...conversation.messages];
      await persist();
      continue;
    }

    if (newPlan) {
      plan = newPlan;
      editing.edits = newEdits;
      editing.applied = newPlan.applied;
    }
    if (newTest !== undefined) editing.test = newTest;
    const test = editing.test!;
    if (editing.original?.test !== test) editing.original = { test, run: await runTestIn(environment, sandbox, test) };
    const original = editing.original.run;
    const diff = plan ? await environment.copy.diff() : '';
    editing.edited = plan ? await runTestIn(environment, sandbox, test, diff) : undefined;
    state.iterations.push({
      attempt: conversation.attempts,
      changed: newPlan && newTest !== undefined ? 'edit-and-test' : newPlan ? 'edit' : 'test',
      originalExitCode: original.exitCode,
      originalVerdict: original.verdict,
      ...(editing.edited ? { editedExitCode: editing.edited.exitCode, editedVerdict: editing.edited.verdict } : {}),
    });
    conversation.say(editFeedbackPrompt({ diff, original, edited: editing.edited, format: options.editFormat }));
    editing.messages = [...conversation.messages];
    await persist();
  }
  editing.messages = [...conversation.messages];
  return plan;
}

/**
 * An iterative sample (`maxAttempts` > 1): with `tests: independent`, the testing machine writes a test
 * that reproduces the issue first; then (or at once, with `tests: combined`, where the first answer
 * holds test and edit) the editing machine iterates with the sandbox. The state is saved after every
 * step, so a stopped run continues each conversation where it stopped. The candidate is the last edit
 * that was accepted.
 */
export async function runIterativeSample(environment: SampleEnvironment, sandbox: InstanceSandbox, saved: IterativeState | undefined): Promise<SampleResult> {
  const state = saved ?? initialIterativeState(environment);
  const persist = (): Promise<void> => environment.store.saveRunning(state);
  const { options } = environment;

  if (state.phase === 'testing') {
    if (state.testing!.finalState === undefined) await runTestingMachine(environment, sandbox, state, persist);
    const testing = state.testing!;
    if (testing.test !== undefined) {
      state.phase = 'editing';
      state.editing = {
        messages: editingMessages(environment, testing.test, testing.lastRun),
        test: testing.test,
        applied: [],
        ...(testing.lastRun ? { original: { test: testing.test, run: testing.lastRun } } : {}),
      };
      await persist();
    }
  }

  let plan: EditPlan | undefined;
  if (state.phase === 'editing') {
    const editing = state.editing!;
    if (editing.edits && editing.edits.length > 0) {
      // A resumed run: the accepted edit is re-planned against the base commit and written to the new copy.
      const replanned = await planEdits(environment.base, editing.edits, environment.match);
      if (replanned.refusals.length === 0 && (await writeEditPlan(environment.copy, replanned)).length === 0) plan = replanned;
    }
    if (editing.finalState === undefined) plan = await runEditingMachine(environment, sandbox, state, persist, plan);
  }

  const testing = state.testing;
  const editing = state.editing;
  const diff = plan ? await environment.copy.diff() : '';
  const finalState: FinalState = editing?.finalState ?? testing?.finalState ?? 'attempts-exhausted';
  const testContent = editing?.test ?? testing?.test;
  let test: SampleTest | undefined;
  if (testContent !== undefined) {
    const original = editing?.original?.test === testContent ? editing.original.run : testing?.test === testContent ? testing.lastRun : undefined;
    test = {
      content: testContent,
      source: options.tests === 'combined' ? 'combined' : 'independent',
      ...(testing?.finalState ? { testingFinalState: testing.finalState } : {}),
      ...(original ? { original } : {}),
      ...(plan && editing?.edited ? { edited: editing.edited } : {}),
    };
  }
  const failureMessage = editing?.failureMessage ?? testing?.failureMessage;
  let failure: SampleResult['failure'];
  if (!plan) {
    failure = editing
      ? { reason: finalState === 'done' ? 'no-edit' : finalState, message: failureMessage ?? 'the conversation ended before the model gave an edit that could be applied' }
      : { reason: 'no-test', message: failureMessage ?? 'the testing conversation ended without a test script' };
  } else if (failureMessage) failure = { reason: finalState, message: failureMessage };

  return {
    sample: environment.sampleIndex,
    mode: 'iterative',
    diff,
    status: plan ? (diff === '' ? 'no-op' : 'ok') : 'failed',
    finalState,
    ...(failure ? { failure } : {}),
    edits: plan ? (editing?.applied ?? plan.applied) : [],
    refusedAnswers: state.refusedAnswers,
    ...(test ? { test } : {}),
    attempts: {
      editing: editing ? editing.messages.filter((message) => message.role === 'assistant').length : 0,
      ...(testing ? { testing: testing.messages.filter((message) => message.role === 'assistant').length } : {}),
    },
    iterations: state.iterations,
    messages: [...(testing?.messages ?? []), ...(editing?.messages ?? [])],
    totals: state.totals,
    resumed: saved !== undefined,
  };
}
