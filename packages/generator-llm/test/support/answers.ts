/** Model answers used by the tests, written the way models write them (prose, fences, decoration). */

export const block = (path: string, search: readonly string[], replace: readonly string[]): string =>
  [path, '<<<<<<< SEARCH', ...search, '=======', ...replace, '>>>>>>> REPLACE'].join('\n');

export const fenced = (...blocks: string[]): string => blocks.map((text) => `\`\`\`python\n${text}\n\`\`\``).join('\n\n');

/** word-count: the gold fix (split on any whitespace, drop the separator constant), as exact SEARCH blocks. */
export const wordCountExact = `The words are split on a single space, so runs of spaces and line breaks make empty "words". Splitting on any whitespace fixes it.

${fenced(block('textkit/words.py', ['WORD_SEPARATOR = " "', '', ''], ['']), block('textkit/words.py', ['    return text.split(WORD_SEPARATOR)'], ['    return text.split()']))}`;

/** The same fix with the indentation, trailing spaces and blank lines at the edges drifted. */
export const wordCountDrifted = `Same idea, written loosely:

${fenced(
  block('textkit/words.py', ['', 'WORD_SEPARATOR = " "\t', '', '', 'def split_words(text):'], ['', '', 'def split_words(text):']),
  // The function body without its indentation (the model dropped one level).
  block(
    'textkit/words.py',
    ['"""Return the words of ``text`` in order."""  ', 'return text.split(WORD_SEPARATOR)'],
    ['"""Return the words of ``text`` in order."""', 'return text.split()'],
  ),
)}`;

/** sentence-stats: the gold fix with a typo in a SEARCH line (fuzzy) and an exact block. */
export const sentenceStatsFuzzy = `Two bugs: only "." ends a sentence, and the average divides by the number of sentences.

${fenced(
  block('textkit/sentences.py', ['SENTENCE_ENDINGS = "."'], ['SENTENCE_ENDINGS = ".!?"']),
  block(
    'textkit/stats.py',
    ['    letters = sum(len(word.strip(".,;:!?")) for word in words)', '    return round(letters / len(split_sentences(txt)), 1)'],
    ['    letters = sum(len(word.strip(".,;:!?")) for word in words)', '    return round(letters / len(words), 1)'],
  ),
)}`;

/** A reproduction test for word-count with CodeMonkeys' exit-code contract. */
export const wordCountTest = `import sys
from textkit import count_words

cases = {"the  quick   brown fox": 4, "the quick\\nbrown\\tfox\\n": 4}
failed = False
for text, expected in cases.items():
    got = count_words(text)
    print(f"count_words({text!r}) = {got}, expected {expected}")
    if got != expected:
        failed = True
sys.exit(2 if failed else 0)
`;

export const testBlock = (script: string): string => `<test>\n\`\`\`python\n${script.trimEnd()}\n\`\`\`\n</test>`;
