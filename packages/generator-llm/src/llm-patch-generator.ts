import { createHash } from 'node:crypto';
import {
  LocalizationResultSchema,
  SchemaValidationError,
  normalizeRepositoryPath,
  withCallLabels,
  type CandidateInput,
  type Failure,
  type GeneratedTest,
  type LocalizationResult,
  type PatchGeneratorV1_1,
  type PluginContextV1_1,
  type Workspace,
} from '@codemonkeys/protocol';
import pMap from 'p-map';
import { SharedFirstAnswers } from './conversation/shared-first-answers';
import { createPristineTrackingCopy } from './edits/pristine-tracking-copy';
import { sandboxRequiredError } from './generator-errors';
import type { LlmGeneratorOptions } from './generator-options';
import { localizationContext } from './localization-context';
import { packageMeta } from './package-meta';
import { codeSection, issueSection } from './prompts/issue-section';
import { promptVersion } from './prompts/prompt-version';
import { runIterativeSample } from './samples/iterative-sample';
import { runOneShotSample } from './samples/one-shot-sample';
import type { SampleEnvironment } from './samples/sample-environment';
import type { SampleResult } from './samples/sample-record';
import { createSampleWorkStore } from './samples/sample-work-state';

/** `'reproduce_issue.py'` unless the repository has it: then `reproduce_issue_1.py`, `_2`, ... */
async function freeTestPath(workspace: Workspace, preferred: string): Promise<string> {
  const path = normalizeRepositoryPath(preferred);
  if (!(await workspace.fileExists(path))) return path;
  const dot = path.lastIndexOf('.');
  const [stem, extension] = dot > path.lastIndexOf('/') ? [path.slice(0, dot), path.slice(dot)] : [path, ''];
  for (let suffix = 1; ; suffix += 1) {
    const candidate = `${stem}_${suffix}${extension}`;
    if (!(await workspace.fileExists(candidate))) return candidate;
  }
}

const shellQuote = (value: string): string => (/^[\w./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`);

/** Options that change what a sample asks or how it applies answers; the rest (concurrency, resume, ...) may differ on resume. */
function fingerprintOf(options: LlmGeneratorOptions, parts: Record<string, unknown>): string {
  const { concurrency: _concurrency, resume: _resume, runGeneratedTests: _runGeneratedTests, ...relevant } = options;
  return createHash('sha256').update(JSON.stringify({ promptVersion, relevant, parts })).digest('hex').slice(0, 32);
}

function generatedTestOf(result: SampleResult, test: { path: string; command: string }): GeneratedTest | undefined {
  if (!result.test) return undefined;
  const { original, edited } = result.test;
  return {
    path: test.path,
    content: result.test.content,
    command: test.command,
    metadata: {
      sample: result.sample,
      source: result.test.source,
      ...(result.test.testingFinalState ? { testingFinalState: result.test.testingFinalState } : {}),
      // What the generator saw when it ran the test (exit 2 = not fixed, 0 = fixed); absent without a sandbox.
      ...(original
        ? { reproducesOnOriginal: original.verdict === 'not-fixed', original: { exitCode: original.exitCode, verdict: original.verdict, output: original.output } }
        : {}),
      ...(edited ? { edited: { exitCode: edited.exitCode, verdict: edited.verdict, output: edited.output } } : {}),
    },
  };
}

/** The infrastructure failure of a sample that obtained no answer (endpoint error, budget spent), if any. */
function infrastructureFailureOf(result: SampleResult): Failure | undefined {
  if (result.finalState !== 'endpoint-error') return undefined;
  const budget = result.failure?.reason === 'budget-exceeded';
  return { reason: budget ? 'budget' : 'endpoint-error', message: result.failure?.message ?? 'a model call failed after the retries' };
}

/**
 * The generator: `samples` candidates per instance, each from its own conversation(s) with the model,
 * one-shot or iterating with the sandbox (protocol v1.1). `run` returns one candidate per sample, in
 * sample order, each with the messages of its own conversations: `ok` (a diff, possibly empty, with its
 * sample status in the metadata), `unparseable` (the model answered, no answer could be used: a result),
 * or `failed` with an infrastructure failure (`endpoint-error`, `budget`: no answer was obtained; not
 * saved as finished, so a resumed run asks again).
 */
export function createLlmPatchGenerator(options: LlmGeneratorOptions, context: PluginContextV1_1): PatchGeneratorV1_1 {
  const model = context.model(options.modelRole);
  const temperature = options.temperature ?? (options.samples > 1 ? 0.8 : 0);
  const iterative = options.maxAttempts > 1;

  return {
    specificationVersion: 'v1.1',
    async run(localizationInput: LocalizationResult, instanceId: string): Promise<CandidateInput[]> {
      const parsedLocalization = LocalizationResultSchema.safeParse(localizationInput);
      if (!parsedLocalization.success) {
        throw new SchemaValidationError({
          subject: `The localization given to @codemonkeys/generator-llm for ${instanceId}`,
          error: parsedLocalization.error,
          hint: 'Pass the LocalizationResult a localizer returned.',
        });
      }
      const localization = parsedLocalization.data;
      const task = await context.task(instanceId);
      const base = await context.workspace(instanceId);
      const sandbox = context.sandbox(instanceId);
      if (iterative && !sandbox) throw sandboxRequiredError(instanceId);

      const countTokens = (text: string): number => model.countTokens(text, options.model);
      const rendered = await localizationContext(localization, base, { ...(options.contextTokenBudget ? { tokenBudget: options.contextTokenBudget } : {}), countTokens });
      const prompts = { issue: issueSection(task, { useHints: options.useHints }), code: codeSection(rendered.text) };
      const testPath = await freeTestPath(base, options.testPath);
      const test = { path: testPath, command: options.testCommand.replaceAll('{path}', shellQuote(testPath)) };
      const fingerprint = fingerprintOf(options, { prompts, test });
      const conversationBase = {
        model,
        modelName: options.model,
        temperature,
        maxAnswerTokens: options.maxAnswerTokens,
        contextWindow: options.contextWindow,
        promptCaching: options.promptCaching,
        signal: context.signal,
        logger: context.logger,
      };
      const shared = options.sampling === 'n' && options.samples > 1 ? new SharedFirstAnswers(model, { ...conversationBase, seed: options.seed }, options.samples) : undefined;
      const match = { fuzzyThreshold: options.fuzzyThreshold, minimumMatchingLineShare: options.minimumMatchingLineShare };

      const runSample = async (sampleIndex: number): Promise<SampleResult> => {
        const store = createSampleWorkStore({ checkpoint: context.checkpoint(instanceId), instanceId, sampleIndex, fingerprint, resume: options.resume, logger: context.logger });
        const saved = await store.load();
        if (saved?.status === 'finished') return { ...saved.result, resumed: true };
        // A new copy is at the base commit (Workspace's contract), so the first plan written needs no reset.
        const copy = createPristineTrackingCopy({ copy: await base.createWritableCopy() });
        try {
          const environment: SampleEnvironment = {
            instanceId,
            sampleIndex,
            options,
            prompts,
            base,
            copy,
            sandbox,
            conversation: { ...conversationBase, sampleIndex, seed: options.seed === undefined ? undefined : options.seed + sampleIndex },
            shared,
            test,
            match,
            store,
            signal: context.signal,
            logger: context.logger,
          };
          const result = iterative ? await runIterativeSample(environment, sandbox!, saved?.state) : await runOneShotSample(environment);
          // A sample that obtained no answer (the endpoint failed after its retries, the budget was spent)
          // is not a result: it is not saved as finished, so a resumed run asks again.
          if (infrastructureFailureOf(result) === undefined) await store.saveFinished(result);
          context.logger.info('generator-llm: sample finished', {
            instanceId,
            sample: sampleIndex,
            status: result.status,
            finalState: result.finalState,
            calls: result.totals.calls,
          });
          return result;
        } finally {
          await copy.dispose();
        }
      };

      const indices = Array.from({ length: options.samples }, (_, index) => index);
      const results = await pMap(indices, (sampleIndex) => withCallLabels({ sample: sampleIndex }, () => runSample(sampleIndex)), {
        concurrency: options.concurrency,
        signal: context.signal,
      });

      return results.map((result): CandidateInput => {
        const generatedTest = options.tests === 'none' ? undefined : generatedTestOf(result, test);
        const patch = {
          instanceId,
          diff: result.diff,
          ...(options.tests === 'none' ? {} : { tests: generatedTest ? [generatedTest] : [] }),
          metadata: {
            generator: { ...packageMeta },
            promptVersion,
            sample: result.sample,
            mode: result.mode,
            status: result.status,
            finalState: result.finalState,
            ...(result.failure ? { failure: result.failure } : {}),
            editFormat: options.editFormat,
            tests: options.tests,
            model: options.model ?? model.defaultModel ?? null,
            temperature,
            ...(options.seed === undefined ? {} : { seed: options.seed + result.sample }),
            sampling: options.sampling,
            edits: result.edits,
            refusedAnswers: result.refusedAnswers,
            attempts: result.attempts,
            ...(result.iterations ? { iterations: result.iterations } : {}),
            ...(result.testProblem ? { testProblem: result.testProblem } : {}),
            calls: result.totals.calls,
            usage: result.totals.usage,
            costUsd: result.totals.costUsd,
            cacheHits: result.totals.cacheHits,
            context: { tokens: rendered.tokens, omittedPointers: rendered.omittedPointers, missingFiles: rendered.missingFiles },
            resumed: result.resumed,
          },
        };
        const infrastructure = infrastructureFailureOf(result);
        if (infrastructure) return { patch, messages: result.messages, status: 'failed', failure: infrastructure };
        if (result.finalState === 'unparseable')
          return {
            patch,
            messages: result.messages,
            status: 'unparseable',
            failure: { reason: 'unparseable', message: result.failure?.message ?? 'no usable answer after the re-asks' },
          };
        return { patch, messages: result.messages, status: 'ok' };
      });
    },
  };
}
