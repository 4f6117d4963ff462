import { InvalidPluginError } from '../../errors/plugin-errors';
import type { PatchGeneratorV1 } from '../../generator/v1/patch-generator';
import { CandidateSchema, type Candidate, type PatchGeneratorV1_1 } from '../../generator/v1_1/patch-generator';
import type { LocalizerV1 } from '../../localization/v1/localizer';
import type { LocalizerV1_1 } from '../../localization/v1_1/localizer';
import type { Message } from '../../message/v1/message';
import type { Patch } from '../../patch/v1/patch';
import type { SelectorV1 } from '../../selector/v1/selector';
import { SelectionSchema, type SelectorV1_1 } from '../../selector/v1_1/selector';

/**
 * Protocol v1 had one message list per generator run. A v1 generator may say which messages are whose by
 * `patch.metadata.messages = { start, count }` (a slice of the list): this documented convention is how
 * the adapter gives each candidate its own conversation. Without it, every message goes to the first
 * candidate.
 */
export interface V1MessageRange {
  start: number;
  count: number;
}

const messageRangeOf = (patch: Patch): V1MessageRange | undefined => {
  const range = patch.metadata.messages as Partial<V1MessageRange> | undefined;
  return range && Number.isInteger(range.start) && Number.isInteger(range.count) && range.start! >= 0 && range.count! >= 0 ? (range as V1MessageRange) : undefined;
};

/** Splits a v1 generator's [patches, messages] into v1.1 candidates (see V1MessageRange). */
export function candidatesFromV1(patches: readonly Patch[], messages: readonly Message[]): Candidate[] {
  const ranges = patches.map(messageRangeOf);
  const split = patches.length > 0 && ranges.every((range) => range !== undefined);
  return patches.map((patch, index) => ({
    patch,
    messages: split ? messages.slice(ranges[index]!.start, ranges[index]!.start + ranges[index]!.count) : index === 0 ? [...messages] : [],
    status: 'ok' as const,
  }));
}

/**
 * Flattens v1.1 candidates into v1's [patches, messages], marking each patch's slice (V1MessageRange) and,
 * for a candidate that is not `ok`, its status and failure (`metadata.candidate`).
 */
export function candidatesToV1(candidates: readonly Candidate[]): [Patch[], Message[]] {
  const messages: Message[] = [];
  const patches = candidates.map((candidate) => {
    const range: V1MessageRange = { start: messages.length, count: candidate.messages.length };
    messages.push(...candidate.messages);
    return {
      ...candidate.patch,
      metadata: { ...candidate.patch.metadata, messages: range, ...(candidate.status === 'ok' ? {} : { candidate: { status: candidate.status, failure: candidate.failure } }) },
    };
  });
  return [patches, messages];
}

/**
 * The candidate a v1 selector chose: the same object if it returned one of them, else the first candidate
 * with the same diff. A patch that is none of the candidates is refused (a v1.1 selector says its index).
 */
export function selectionIndexFromV1(selectorName: string, candidates: readonly Patch[], chosen: Patch): number {
  const byIdentity = candidates.indexOf(chosen);
  if (byIdentity >= 0) return byIdentity;
  const byDiff = candidates.findIndex((candidate) => candidate.diff === chosen.diff);
  if (byDiff >= 0) return byDiff;
  throw new InvalidPluginError({
    pluginName: selectorName,
    reason: `it returned a patch that is none of the ${candidates.length} candidates it was given (a selector picks one of them)`,
  });
}

export function localizerV1_1From(localizer: LocalizerV1): LocalizerV1_1 {
  return { specificationVersion: 'v1.1', run: (instanceId) => localizer.run(instanceId) };
}

export function localizerV1From(localizer: LocalizerV1_1): LocalizerV1 {
  return { specificationVersion: 'v1', run: (instanceId) => localizer.run(instanceId) };
}

export function generatorV1_1From(generator: PatchGeneratorV1): PatchGeneratorV1_1 {
  return {
    specificationVersion: 'v1.1',
    async run(localization, instanceId) {
      const [patches, messages] = await generator.run(localization, instanceId);
      return candidatesFromV1(patches, messages);
    },
  };
}

export function generatorV1From(generator: PatchGeneratorV1_1): PatchGeneratorV1 {
  return {
    specificationVersion: 'v1',
    async run(localization, instanceId) {
      return candidatesToV1(CandidateSchema.array().parse(await generator.run(localization, instanceId)));
    },
  };
}

export function selectorV1_1From(selector: SelectorV1, selectorName: string): SelectorV1_1 {
  return {
    specificationVersion: 'v1.1',
    async run(candidates, instanceId) {
      const patch = await selector.run(candidates, instanceId);
      const reason = typeof patch?.metadata?.reason === 'string' ? patch.metadata.reason : '';
      return { index: selectionIndexFromV1(selectorName, candidates, patch), patch, reason };
    },
  };
}

export function selectorV1From(selector: SelectorV1_1): SelectorV1 {
  return {
    specificationVersion: 'v1',
    async run(candidates, instanceId) {
      const selection = SelectionSchema.parse(await selector.run(candidates, instanceId));
      return { ...selection.patch, metadata: { ...selection.patch.metadata, selectedIndex: selection.index, reason: selection.reason } };
    },
  };
}
