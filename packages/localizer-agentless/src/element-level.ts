import { askAndParse, emptyExchangeCost } from '@codemonkeys/plugin-kit';
import { UnparseableAnswerError } from '@codemonkeys/protocol';
import type { ElementLevelRecord } from './agentless-metadata';
import type { ElementIndex } from './element-index';
import { levelRecordOf, type LevelEnvironment } from './level-environment';
import { parseLocationAnswer } from './location-answer';
import { resolveLocations, type ResolvedLocation } from './location-resolver';
import { elementLevelPrompt } from './prompts/element-level-prompt';
import { reaskPrompt } from './prompts/reask-prompt';

export interface ElementLevelResult {
  elements: ResolvedLocation[];
  record: ElementLevelRecord;
}

/**
 * Level 2: the skeletons of the level-1 files (signatures, class/def lines, module constants, docstrings;
 * bodies elided) → the classes, functions, methods and variables to look at. Files are dropped from the
 * end until the prompt fits `maxPromptTokens`. Never throws for model trouble: a failed record instead.
 */
export async function runElementLevel(environment: LevelEnvironment, files: readonly string[]): Promise<ElementLevelResult> {
  const { options, task } = environment;
  const filesWithoutSkeleton: string[] = [];
  const skeletons: Array<{ path: string; skeleton: string }> = [];
  for (const path of files) {
    try {
      skeletons.push({ path, skeleton: await environment.workspace.skeleton(path) });
    } catch {
      // No parser for this language: the model sees the whole file instead.
      filesWithoutSkeleton.push(path);
      skeletons.push({ path, skeleton: (await environment.readFile(path)) ?? '' });
    }
  }

  const filesOverBudget: string[] = [];
  let prompt = elementLevelPrompt({ problemStatement: task.problemStatement, hintsText: task.hintsText, skeletons });
  while (environment.countTokens(prompt) > options.maxPromptTokens && skeletons.length > 1) {
    filesOverBudget.unshift(skeletons.pop()!.path);
    prompt = elementLevelPrompt({ problemStatement: task.problemStatement, hintsText: task.hintsText, skeletons });
  }
  const base = { elements: [], filesOverBudget, filesWithoutSkeleton, corrections: [], dropped: [] };
  if (environment.countTokens(prompt) > options.maxPromptTokens) {
    return {
      elements: [],
      record: {
        ...emptyExchangeCost(),
        status: 'failed',
        failure: 'prompt-too-long',
        error: `the skeleton of ${skeletons[0]?.path} alone is over maxPromptTokens (${options.maxPromptTokens})`,
        ...base,
      },
    };
  }

  const indexes = new Map<string, ElementIndex>();
  for (const { path } of skeletons) indexes.set(path, await environment.elementIndex(path));

  const outcome = await askAndParse({
    model: environment.model,
    request: environment.request(prompt, 0),
    signal: environment.signal,
    reaskPrompt,
    parse: (answer) => {
      const resolved = resolveLocations(parseLocationAnswer(answer), indexes);
      if (resolved.locations.length === 0) {
        throw new UnparseableAnswerError(
          `none of the locations you named exists in the files shown (${resolved.dropped
            .map((drop) => `${drop.named}: ${drop.reason}`)
            .slice(0, 10)
            .join('; ')}). Name classes, functions and variables that appear in the skeletons, under the path of their file.`,
        );
      }
      return resolved;
    },
  });
  const record = levelRecordOf(outcome);
  if (outcome.status === 'failed') {
    environment.logger.warn('agentless: level 2 failed; returning the files of level 1', { instanceId: environment.instanceId, error: outcome.error });
    return { elements: [], record: { ...record, ...base } };
  }
  const { locations, corrections, dropped } = outcome.value;
  // One pointer per element: a model may name a class and then one of its methods again.
  const unique = locations.filter(
    (location, index) => locations.findIndex((other) => other.path === location.path && other.startLine === location.startLine && other.endLine === location.endLine) === index,
  );
  return {
    elements: unique,
    record: {
      ...record,
      ...base,
      elements: unique.map((element) => ({
        path: element.path,
        kind: element.kind,
        name: element.named,
        ...(element.matchedAs ? { matchedAs: element.matchedAs } : {}),
        startLine: element.startLine,
        endLine: element.endLine,
      })),
      corrections,
      dropped,
    },
  };
}
