import { describe, expect, it } from 'vitest';
import { UnparseableAnswerError } from '@codemonkeys/protocol';
import { InvalidChoiceError, parseChoice } from '../src/index';

describe('parseChoice', () => {
  it('reads the forms models answer in', () => {
    expect(parseChoice('Candidate 2 handles tabs.\n<choice>2</choice>', 3)).toBe(2);
    expect(parseChoice('<choice>1</choice> ... on reflection <choice> 3 </choice>', 3)).toBe(3);
    expect(parseChoice('<choice>Candidate #2</choice>', 3)).toBe(2);
    expect(parseChoice('Both look plausible. Final answer: candidate 3', 3)).toBe(3);
    expect(parseChoice('**Answer:** 1', 3)).toBe(1);
    expect(parseChoice('I choose #2 because it keeps the API.', 3)).toBe(2);
    expect(parseChoice('The best candidate is 1.', 3)).toBe(1);
    expect(parseChoice('  2  ', 3)).toBe(2);
    expect(parseChoice('Candidate 3.', 3)).toBe(3);
    expect(parseChoice('Only candidate 2 fixes the separator handling.', 3)).toBe(2);
  });

  it('refuses numbers outside the candidates', () => {
    for (const answer of ['<choice>4</choice>', '<choice>0</choice>', 'Final answer: 7', '5']) {
      expect(() => parseChoice(answer, 3), answer).toThrow(InvalidChoiceError);
      try {
        parseChoice(answer, 3);
      } catch (error) {
        expect((error as InvalidChoiceError).kind).toBe('out-of-range');
        expect((error as Error).message).toContain('numbered 1 to 3');
        // Any unusable model answer is core's UnparseableAnswerError, whichever plugin read it.
        expect(UnparseableAnswerError.isInstance(error)).toBe(true);
      }
    }
  });

  it('refuses answers that name none or several without choosing', () => {
    const kindOf = (answer: string): string | undefined => {
      try {
        parseChoice(answer, 3);
        return undefined;
      } catch (error) {
        return InvalidChoiceError.isInstance(error) ? (error as InvalidChoiceError).kind : 'other';
      }
    };
    expect(kindOf('I cannot tell which one is right.')).toBe('missing');
    expect(kindOf('<choice></choice>')).toBe('missing');
    expect(kindOf('<choice>the second</choice>')).toBe('missing');
    expect(kindOf('Candidate 1 is simpler but candidate 2 handles tabs.')).toBe('ambiguous');
    expect(kindOf('')).toBe('missing');
  });
});
