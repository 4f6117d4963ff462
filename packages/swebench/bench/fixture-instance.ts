/**
 * A small SWE-bench-style instance for the benchmark: a Python package with a bug in `add`, its tests,
 * and ten candidate patches (fixes, wrong fixes, one that needs `patch --fuzz`, one that does not apply,
 * an empty one), like the candidates a generator samples for one instance.
 */
export const baseFiles: Record<string, string> = {
  'calc/__init__.py': '"""A tiny arithmetic package."""\n',
  'calc/ops.py': `"""Arithmetic helpers."""


def add(a, b):
    return a - b


def multiply(a, b):
    return a * b


def mean(values):
    return sum(values) / len(values)
`,
  'tests/__init__.py': '',
  'tests/test_ops.py': `import pytest

from calc.ops import add, mean, multiply


@pytest.mark.parametrize("a, b, expected", [(2, 3, 5), (-2, -3, -5), (0, 0, 0), (10, -4, 6)])
def test_add(a, b, expected):
    assert add(a, b) == expected


def test_multiply():
    assert multiply(4, 5) == 20


def test_mean():
    assert mean([1, 2, 3]) == 2
`,
  'README.md': '# calc\n',
  '.gitignore': '__pycache__/\n*.pyc\n.pytest_cache/\n',
};

const replaceIn = (path: string, from: string, to: string) => (files: Record<string, string>) => ({ ...files, [path]: files[path]!.replace(from, to) });

export interface Candidate {
  name: string;
  /** The files after the candidate's edit. */
  edit(files: Record<string, string>): Record<string, string>;
  /** Compute the diff against this base instead (a patch made for another version of the file). */
  againstBase?(files: Record<string, string>): Record<string, string>;
}

export const candidates: Candidate[] = [
  { name: 'fix', edit: replaceIn('calc/ops.py', 'return a - b', 'return a + b') },
  { name: 'fix with sum', edit: replaceIn('calc/ops.py', 'return a - b', 'return sum((a, b))') },
  { name: 'fix with docstring', edit: replaceIn('calc/ops.py', '    return a - b', '    """Sum of a and b."""\n    return a + b') },
  { name: 'off by one', edit: replaceIn('calc/ops.py', 'return a - b', 'return a + b + 1') },
  { name: 'absolute difference', edit: replaceIn('calc/ops.py', 'return a - b', 'return abs(a - b)') },
  { name: 'fix that breaks multiply', edit: (files) => replaceIn('calc/ops.py', 'return a * b', 'return a + b')(replaceIn('calc/ops.py', 'return a - b', 'return a + b')(files)) },
  {
    name: 'made for another version (does not apply)',
    edit: replaceIn('calc/ops.py', 'return x - y', 'return x + y'),
    againstBase: replaceIn('calc/ops.py', 'def add(a, b):\n    return a - b', 'def add(x, y):\n    return x - y'),
  },
  { name: 'empty patch', edit: (files) => files },
  {
    name: 'fix plus a new module',
    edit: (files) => ({ ...replaceIn('calc/ops.py', 'return a - b', 'return a + b')(files), 'calc/extra.py': 'def negate(a):\n    return -a\n' }),
  },
  {
    // Made where a comment sits above `add`: git apply refuses it, patch --fuzz applies it.
    name: 'fix whose context drifted (needs patch --fuzz)',
    edit: replaceIn('calc/ops.py', 'return a - b', 'return a + b'),
    againstBase: replaceIn('calc/ops.py', '\n\ndef add(a, b):', '\n# Addition.\ndef add(a, b):'),
  },
];

/**
 * Modules nobody imports, so that the repository has the size of a real one (SWE-bench Lite repositories
 * hold hundreds to thousands of files): what a fresh container must receive again for every candidate
 * when no per-instance image exists.
 */
export function fillerFiles(count: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let index = 0; index < count; index += 1) {
    const body = Array.from({ length: 60 }, (_, line) => `def function_${index}_${line}(value):\n    return value * ${line} + ${index}\n`).join('\n');
    files[`calc/vendor/package_${Math.floor(index / 100)}/module_${index}.py`] = `"""Filler module ${index}."""\n\n${body}`;
  }
  return files;
}

/** What the evaluation prints last: how the patch applied and pytest's summary. */
export const evaluationScript = `cd /testbed
if [ ! -s /tmp/candidate.diff ]; then applied=empty
elif git apply /tmp/candidate.diff 2>/dev/null; then applied=git-apply
elif patch --batch --fuzz=5 -p1 -i /tmp/candidate.diff >/dev/null 2>&1; then applied=patch-fuzz
else echo "APPLIED=no"; exit 0
fi
echo "APPLIED=$applied"
python3 -m pytest -q -p no:cacheprovider tests 2>&1 | tail -n 1
`;
