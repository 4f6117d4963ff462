import { UnparseableAnswerError } from '@codemonkeys/protocol';

/**
 * Why an answer names no usable candidate; the message is shown to the model when it is asked again.
 * An `UnparseableAnswerError` (core's) like every unusable model answer.
 */
export class InvalidChoiceError extends UnparseableAnswerError {
  static override readonly errorName: string = 'InvalidChoiceError';

  constructor(
    message: string,
    readonly kind: 'missing' | 'out-of-range' | 'ambiguous',
  ) {
    super(message);
  }
}

const choiceTag = /<choice>\s*(?:candidate\s*)?#?\s*(-?\d+)\s*<\/choice>/gi;
const statedChoice =
  /(?:final\s+(?:answer|choice|selection)|(?:i|we)\s+(?:choose|pick|select|prefer)|(?:best|correct)\s+(?:candidate|patch|one)\s+is|selected\s+candidate|choice|answer)\s*(?:is|:|=|-)?\s*(?:\*\*)?\s*(?:candidate|patch)?\s*#?\s*(-?\d+)/gi;
const candidateMention = /\b(?:candidate|patch)\s*#?\s*(\d+)/gi;

/**
 * The candidate number (1-based) an answer names. Robust to how models answer: a `<choice>N</choice>`
 * tag (the last one wins, as models revise), then a stated choice ("Final answer: candidate 2", "I choose
 * #3", "**Answer:** 1"), then a bare number, then a single candidate mentioned alone. Throws
 * InvalidChoiceError (missing, out of range, ambiguous) with a message the model can act on.
 */
export function parseChoice(answer: string, candidateCount: number): number {
  const inRange = (value: number, quoted: string): number => {
    if (value < 1 || value > candidateCount) {
      throw new InvalidChoiceError(`You chose ${quoted}, but the candidates are numbered 1 to ${candidateCount}. Answer with <choice>N</choice> for one of them.`, 'out-of-range');
    }
    return value;
  };
  const tags = [...answer.matchAll(choiceTag)];
  if (tags.length > 0) return inRange(Number(tags.at(-1)![1]), `candidate ${tags.at(-1)![1]}`);
  if (/<choice>/i.test(answer)) {
    throw new InvalidChoiceError(`Your <choice> tag holds no candidate number. Answer with <choice>N</choice>, N from 1 to ${candidateCount}.`, 'missing');
  }
  const stated = [...answer.matchAll(statedChoice)];
  if (stated.length > 0) return inRange(Number(stated.at(-1)![1]), `candidate ${stated.at(-1)![1]}`);
  const bare = /^\W*(?:candidate|patch)?\s*#?\s*(-?\d+)\W*$/i.exec(answer.trim());
  if (bare) return inRange(Number(bare[1]), `candidate ${bare[1]}`);
  const mentioned = [...new Set([...answer.matchAll(candidateMention)].map((match) => Number(match[1])))];
  if (mentioned.length === 1) return inRange(mentioned[0]!, `candidate ${mentioned[0]}`);
  if (mentioned.length > 1) {
    throw new InvalidChoiceError(`Your answer discusses candidates ${mentioned.join(', ')} but does not say which one you choose. End with <choice>N</choice>.`, 'ambiguous');
  }
  throw new InvalidChoiceError(`Your answer names no candidate. End it with <choice>N</choice>, N from 1 to ${candidateCount}.`, 'missing');
}
