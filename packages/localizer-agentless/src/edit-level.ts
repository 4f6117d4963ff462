import { renderContext, addExchangeCost, askAndParse, emptyExchangeCost } from '@codemonkeys/plugin-kit';
import { withCallLabels, type CodePointer, UnparseableAnswerError } from '@codemonkeys/protocol';
import type { EditLevelRecord, EditSampleRecord, LevelCost } from './agentless-metadata';
import type { ElementIndex } from './element-index';
import { levelRecordOf, type LevelEnvironment } from './level-environment';
import { parseLocationAnswer } from './location-answer';
import { resolveLocations, type ResolvedLocation } from './location-resolver';
import { editLevelPrompt } from './prompts/edit-level-prompt';
import { reaskPrompt } from './prompts/reask-prompt';

export interface EditLevelResult {
  /** Merged edit spans, in the order of the files, with `score` = share of successful samples naming them. */
  pointers: CodePointer[];
  record: EditLevelRecord;
}

interface Span {
  start: number;
  end: number;
  samples: Set<number>;
}

/** Unions the spans of every sample per file; overlapping or adjacent spans become one, voted by each sample that named a part. */
function mergeSamples(
  samples: ReadonlyArray<{ sample: number; locations: readonly ResolvedLocation[] }>,
  fileOrder: readonly string[],
  indexes: ReadonlyMap<string, ElementIndex>,
): CodePointer[] {
  const byFile = new Map<string, Span[]>();
  for (const { sample, locations } of samples) {
    for (const location of locations) {
      const spans = byFile.get(location.path) ?? [];
      spans.push({ start: location.startLine, end: location.endLine, samples: new Set([sample]) });
      byFile.set(location.path, spans);
    }
  }
  const pointers: CodePointer[] = [];
  const successful = Math.max(1, samples.length);
  for (const path of fileOrder) {
    const spans = (byFile.get(path) ?? []).sort((a, b) => a.start - b.start);
    const merged: Span[] = [];
    for (const span of spans) {
      const last = merged.at(-1);
      if (last && span.start <= last.end + 1) {
        last.end = Math.max(last.end, span.end);
        for (const sample of span.samples) last.samples.add(sample);
      } else merged.push({ start: span.start, end: span.end, samples: new Set(span.samples) });
    }
    for (const span of merged) {
      const symbol = indexes.get(path)?.enclosing(span.start)?.qualifiedName;
      pointers.push({ path, startLine: span.start, endLine: span.end, kind: 'lines', score: span.samples.size / successful, ...(symbol ? { symbol } : {}) });
    }
  }
  return pointers;
}

/**
 * Level 3: the code of the level-2 elements (with `contextWindow` lines around each), every line
 * numbered as core's renderer numbers it → edit locations. `samples` answers at `temperature`, each
 * call labelled with its sample index, merged. Fails (a record, never a throw) only when every sample
 * fails.
 */
export async function runEditLevel(environment: LevelEnvironment, files: readonly string[], elements: readonly ResolvedLocation[]): Promise<EditLevelResult> {
  const { options, task } = environment;
  const temperature = options.temperature ?? (options.samples > 1 ? 0.8 : 0);
  const indexes = new Map<string, ElementIndex>();
  const shownFiles = files.filter((path) => elements.some((element) => element.path === path));
  for (const path of shownFiles) indexes.set(path, await environment.elementIndex(path));

  const views: CodePointer[] = shownFiles.flatMap((path) =>
    elements
      .filter((element) => element.path === path)
      .map((element) => ({
        path,
        startLine: Math.max(1, element.startLine - options.contextWindow),
        endLine: Math.min(indexes.get(path)!.lineCount, element.endLine + options.contextWindow),
      })),
  );
  const frame = editLevelPrompt({ problemStatement: task.problemStatement, hintsText: task.hintsText, code: '' });
  const rendered = await renderContext(views, {
    readFile: (path) => environment.readFile(path),
    tokenBudget: Math.max(0, options.maxPromptTokens - environment.countTokens(frame)),
    countTokens: (text) => environment.countTokens(text),
  });
  const prompt = editLevelPrompt({ problemStatement: task.problemStatement, hintsText: task.hintsText, code: rendered.text });
  const promptTokens = environment.countTokens(prompt);
  // Only files that made it into the prompt can be named.
  const shownIndexes = new Map([...indexes].filter(([path]) => rendered.shown.some((pointer) => pointer.path === path)));
  const base = { temperature, promptTokens, spansOverBudget: rendered.omitted.length };

  if (rendered.shown.length === 0) {
    return {
      pointers: [],
      record: { ...emptyExchangeCost(), status: 'failed', failure: 'prompt-too-long', error: `no code fits in maxPromptTokens (${options.maxPromptTokens})`, ...base, samples: [] },
    };
  }

  const request = environment.request(prompt, temperature);
  const outcomes = await Promise.all(
    Array.from({ length: options.samples }, (_, sample) =>
      withCallLabels({ sample }, () =>
        askAndParse({
          model: environment.model,
          request,
          callOptions: { sample },
          signal: environment.signal,
          reaskPrompt,
          parse: (answer) => {
            const resolved = resolveLocations(parseLocationAnswer(answer), shownIndexes);
            if (resolved.locations.length === 0) {
              throw new UnparseableAnswerError(
                `none of the places you named exists in the code shown (${resolved.dropped
                  .map((drop) => `${drop.named}: ${drop.reason}`)
                  .slice(0, 10)
                  .join('; ')}). Name line numbers shown in the code, under the path of their file.`,
              );
            }
            return resolved;
          },
        }),
      ),
    ),
  );

  const sampleRecords: EditSampleRecord[] = outcomes.map((outcome, sample) => {
    const cost: LevelCost = { calls: outcome.calls, cacheHits: outcome.cacheHits, usage: outcome.usage, costUsd: outcome.costUsd };
    if (outcome.status === 'failed') return { sample, status: 'failed', failure: outcome.reason, error: outcome.error, ...cost, spans: [], dropped: [] };
    return {
      sample,
      status: 'ok',
      ...cost,
      spans: outcome.value.locations.map((location) => ({
        path: location.path,
        startLine: location.startLine,
        endLine: location.endLine,
        ...(location.symbol ? { symbol: location.symbol } : {}),
      })),
      dropped: outcome.value.dropped,
    };
  });
  const total: LevelCost = outcomes.reduce<LevelCost>((sum, outcome) => addExchangeCost(sum, outcome), emptyExchangeCost());

  const successful = outcomes.flatMap((outcome, sample) => (outcome.status === 'ok' ? [{ sample, locations: outcome.value.locations }] : []));
  if (successful.length === 0) {
    const first = levelRecordOf(outcomes[0]!);
    environment.logger.warn('agentless: level 3 failed in every sample; returning the elements of level 2', { instanceId: environment.instanceId, error: first.error });
    return { pointers: [], record: { ...first, ...total, ...base, samples: sampleRecords } };
  }
  return {
    pointers: mergeSamples(successful, shownFiles, shownIndexes),
    record: { status: 'ok', ...total, ...base, samples: sampleRecords },
  };
}
