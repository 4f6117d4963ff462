/**
 * The Python sources of the fixture repository "textkit", as the successive commits of its history.
 * Each bug is a realistic one (a wrong separator, a wrong denominator, a loop that stops advancing),
 * small enough to read in a test failure, and fixed in the commit after the one it ships in, so that
 * the instances sit at different commits of one repository.
 */

export type FixtureFiles = Record<string, string>;

export const initialFiles: FixtureFiles = {
  'README.md': '# textkit\n\nSmall helpers for counting and formatting text.\n\nRun the tests with `python3 -m pytest -rA`.\n',
  'pyproject.toml': '[project]\nname = "textkit"\nversion = "0.1.0"\nrequires-python = ">=3.9"\n\n' + '[tool.pytest.ini_options]\npythonpath = ["."]\ntestpaths = ["tests"]\n',
  'textkit/__init__.py':
    '"""Small helpers for counting and formatting text."""\n\n' +
    'from .case import title_case\nfrom .words import count_words, longest_word, split_words\n\n' +
    '__version__ = "0.1.0"\n',
  'textkit/case.py':
    '"""Changing the case of words."""\n\n' +
    'SMALL_WORDS = frozenset({"a", "an", "and", "of", "the", "to"})\n\n\n' +
    'def title_case(text):\n' +
    '    """Capitalize every word except small words that are not the first."""\n' +
    '    result = []\n' +
    '    for index, word in enumerate(text.split()):\n' +
    '        if index > 0 and word.lower() in SMALL_WORDS:\n' +
    '            result.append(word.lower())\n' +
    '        else:\n' +
    '            result.append(word[:1].upper() + word[1:].lower())\n' +
    '    return " ".join(result)\n',
  'textkit/punctuation.py':
    '"""Removing punctuation."""\n\n' +
    'import string\n\n' +
    'PUNCTUATION = set(string.punctuation)\n\n\n' +
    'def strip_punctuation(text):\n' +
    '    """Return ``text`` without ASCII punctuation characters."""\n' +
    '    return "".join(character for character in text if character not in PUNCTUATION)\n\n\n' +
    'class PunctuationCounter:\n' +
    '    """Counts punctuation characters, by character."""\n\n' +
    '    def __init__(self):\n' +
    '        self.counts = {}\n\n' +
    '    def add(self, text):\n' +
    '        """Count the punctuation of ``text``."""\n' +
    '        for character in text:\n' +
    '            if character in PUNCTUATION:\n' +
    '                self.counts[character] = self.counts.get(character, 0) + 1\n' +
    '        return self\n',
  'textkit/words.py':
    '"""Counting and measuring the words of a text."""\n\n' +
    'WORD_SEPARATOR = " "\n\n\n' +
    'def split_words(text):\n' +
    '    """Return the words of ``text`` in order."""\n' +
    '    return text.split(WORD_SEPARATOR)\n\n\n' +
    'def count_words(text):\n' +
    '    """Return how many words ``text`` has."""\n' +
    '    if not text:\n' +
    '        return 0\n' +
    '    return len(split_words(text))\n\n\n' +
    'def longest_word(text):\n' +
    '    """Return the longest word of ``text`` (the first one on ties), or "" for an empty text."""\n' +
    '    best = ""\n' +
    '    for word in split_words(text):\n' +
    '        if len(word) > len(best):\n' +
    '            best = word\n' +
    '    return best\n',
  'tests/test_case.py':
    'from textkit import title_case\n\n\n' + 'def test_title_case_keeps_small_words_lower():\n' + '    assert title_case("the lord of the rings") == "The Lord of the Rings"\n',
  'tests/test_words.py':
    'from textkit import count_words, longest_word\n\n\n' +
    'def test_count_words_simple():\n' +
    '    assert count_words("the quick brown fox") == 4\n\n\n' +
    'def test_count_words_empty():\n' +
    '    assert count_words("") == 0\n\n\n' +
    'def test_longest_word():\n' +
    '    assert longest_word("a quick fox") == "quick"\n',
};

/** Instance 1 (single file): words are split on one space only. */
export const wordCountFix: FixtureFiles = {
  'textkit/words.py': initialFiles['textkit/words.py']!.replace('    return text.split(WORD_SEPARATOR)\n', '    return text.split()\n').replace('WORD_SEPARATOR = " "\n\n\n', '\n'),
};
export const wordCountTests: FixtureFiles = {
  'tests/test_words.py':
    initialFiles['tests/test_words.py']! +
    '\n\ndef test_count_words_repeated_spaces():\n' +
    '    assert count_words("the  quick   brown fox") == 4\n\n\n' +
    'def test_count_words_line_breaks():\n' +
    '    assert count_words("the quick\\nbrown\\tfox\\n") == 4\n',
};

/** Instance 2 (two files): sentences end only at ".", and the average divides by sentences. */
export const statsFeature: FixtureFiles = {
  'textkit/sentences.py':
    '"""Splitting a text into sentences."""\n\n' +
    'SENTENCE_ENDINGS = "."\n\n\n' +
    'def split_sentences(text):\n' +
    '    """Return the sentences of ``text``, without surrounding whitespace."""\n' +
    '    sentences = []\n' +
    '    current = ""\n' +
    '    for character in text:\n' +
    '        current += character\n' +
    '        if character in SENTENCE_ENDINGS:\n' +
    '            sentences.append(current.strip())\n' +
    '            current = ""\n' +
    '    if current.strip():\n' +
    '        sentences.append(current.strip())\n' +
    '    return sentences\n',
  'textkit/stats.py':
    '"""Summary statistics of a text."""\n\n' +
    'from .sentences import split_sentences\n' +
    'from .words import split_words\n\n\n' +
    'def average_word_length(text):\n' +
    '    """Mean number of letters per word, rounded to one decimal."""\n' +
    '    words = split_words(text)\n' +
    '    if not words:\n' +
    '        return 0.0\n' +
    '    letters = sum(len(word.strip(".,;:!?")) for word in words)\n' +
    '    return round(letters / len(split_sentences(text)), 1)\n\n\n' +
    'def summarize(text):\n' +
    '    """Counts of words and sentences, and the average word length."""\n' +
    '    return {\n' +
    '        "words": len(split_words(text)),\n' +
    '        "sentences": len(split_sentences(text)),\n' +
    '        "average_word_length": average_word_length(text),\n' +
    '    }\n',
  'tests/test_stats.py':
    'from textkit.stats import summarize\n\n\n' +
    'def test_summarize_counts_words():\n' +
    '    assert summarize("One two three.")["words"] == 3\n\n\n' +
    'def test_summarize_single_sentence():\n' +
    '    assert summarize("One two three.")["sentences"] == 1\n',
};
export const statsSentencesFix: FixtureFiles = {
  'textkit/sentences.py': statsFeature['textkit/sentences.py']!.replace('SENTENCE_ENDINGS = "."', 'SENTENCE_ENDINGS = ".!?"'),
};
export const statsFix: FixtureFiles = {
  ...statsSentencesFix,
  'textkit/stats.py': statsFeature['textkit/stats.py']!.replace('letters / len(split_sentences(text))', 'letters / len(words)'),
};
export const statsTests: FixtureFiles = {
  'tests/test_stats.py':
    statsFeature['tests/test_stats.py']! +
    '\n\ndef test_summarize_questions_and_exclamations():\n' +
    '    assert summarize("Is it ready? Yes it is! Ship it.")["sentences"] == 3\n\n\n' +
    'def test_average_word_length():\n' +
    '    assert summarize("Tiny cats nap. Dogs run.")["average_word_length"] == 3.6\n',
};

/** Instance 3 (hangs): a word longer than the width never advances the loop. */
export const wrapFeature: FixtureFiles = {
  'textkit/wrap.py':
    '"""Greedy line wrapping."""\n\n' +
    'from .words import split_words\n\n\n' +
    'def wrap(text, width):\n' +
    '    """Break ``text`` into lines of at most ``width`` characters, at word boundaries."""\n' +
    '    if width < 1:\n' +
    '        raise ValueError("width must be at least 1")\n' +
    '    lines = []\n' +
    '    words = split_words(text)\n' +
    '    current = ""\n' +
    '    index = 0\n' +
    '    while index < len(words):\n' +
    '        word = words[index]\n' +
    '        candidate = word if not current else current + " " + word\n' +
    '        if len(candidate) <= width:\n' +
    '            current = candidate\n' +
    '            index += 1\n' +
    '        elif current:\n' +
    '            lines.append(current)\n' +
    '            current = ""\n' +
    '    if current:\n' +
    '        lines.append(current)\n' +
    '    return lines\n',
  'tests/test_wrap.py': 'from textkit.wrap import wrap\n\n\n' + 'def test_wrap_short_words():\n' + '    assert wrap("the quick brown fox", 10) == ["the quick", "brown fox"]\n',
};
export const wrapFix: FixtureFiles = {
  'textkit/wrap.py': wrapFeature['textkit/wrap.py']!.replace(
    '            current = ""\n    if current:',
    '            current = ""\n' +
      '        else:\n' +
      '            # A word longer than the width gets a line of its own.\n' +
      '            lines.append(word)\n' +
      '            index += 1\n' +
      '    if current:',
  ),
};
export const wrapTests: FixtureFiles = {
  'tests/test_wrap.py':
    wrapFeature['tests/test_wrap.py']! +
    '\n\ndef test_wrap_word_longer_than_width():\n' +
    '    assert wrap("a extraordinarily long word", 6) == ["a", "extraordinarily", "long", "word"]\n',
};
