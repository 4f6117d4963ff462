import type { InstanceSandbox, Logger, Workspace, WritableWorkspace } from '@codemonkeys/protocol';
import type { MatchSettings } from '../edits/block-matcher';
import type { ConversationSettings } from '../conversation/model-conversation';
import type { SharedFirstAnswers } from '../conversation/shared-first-answers';
import type { LlmGeneratorOptions } from '../generator-options';
import { editFormatName } from '../prompts/edit-format-instructions';
import { runReproductionTest, type ReproductionTestScript, type TestRun } from '../tests/reproduction-test-run';
import type { SampleWorkStore } from './sample-work-state';

/** Everything one sample works with. */
export interface SampleEnvironment {
  instanceId: string;
  sampleIndex: number;
  options: LlmGeneratorOptions;
  /** The issue and code sections of the prompts (the same for every sample). */
  prompts: { issue: string; code: string };
  /** The repository at the base commit (edits are planned against it). */
  base: Workspace;
  /** The sample's private writable copy; its diff is the candidate. */
  copy: WritableWorkspace;
  sandbox: InstanceSandbox | undefined;
  conversation: ConversationSettings;
  shared: SharedFirstAnswers | undefined;
  /** Where the reproduction test goes and how it is run. */
  test: { path: string; command: string };
  match: MatchSettings;
  store: SampleWorkStore;
  signal: AbortSignal;
  logger: Logger;
}

export function testScriptOf(environment: SampleEnvironment, content: string): ReproductionTestScript {
  return { path: environment.test.path, content, command: environment.test.command };
}

/** Runs the sample's test in the sandbox, on the original code or with the candidate's `diff` applied. */
export function runTestIn(environment: SampleEnvironment, sandbox: InstanceSandbox, content: string, diff = ''): Promise<TestRun> {
  return runReproductionTest(sandbox, {
    test: testScriptOf(environment, content),
    diff,
    timeoutMs: environment.options.testTimeoutSeconds * 1000,
    maxOutputCharacters: environment.options.maxTestOutputCharacters,
    signal: environment.signal,
  });
}

/** What a re-ask asks for, in words. */
export function expectedAnswer(environment: SampleEnvironment, parts: { edit: boolean; test: boolean }): string {
  const edit = `the edit as ${editFormatName(environment.options.editFormat)}`;
  const test = 'the whole test script between <test> and </test>';
  if (parts.edit && parts.test) return `${test} and ${edit}`;
  return parts.test ? test : edit;
}
