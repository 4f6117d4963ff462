import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InstanceSchema, type Instance } from '@codemonkeys/protocol';
import { runGit } from '../../src/git/run-git';

/**
 * A repository shaped like sympy for the sympy environment spec: a `bin/test` that prints what sympy's
 * own runner prints with `-C --verbose` when its output is not a terminal (80 columns, a header, one
 * `<file>[n]` line per file, `test_name ok|F|E` per test with the file's `[OK]`/`[FAIL]` right-aligned
 * on the line of its last test, then the exception and failure sections headed
 * `____ <file>:<test> ____`, the summary and `DO *NOT* COMMIT!`), and a package that imports mpmath, as
 * sympy does. Because the last test of a file shares its line with `[OK]`, SWE-bench's sympy parser never
 * sees it; SWE-bench's test lists leave such tests out, and so do this instance's.
 */
const binTest = `#!/usr/bin/env python3
"""Runs test functions of the given files and reports them the way sympy's bin/test does."""
import os
import platform
import random
import sys
import time
import traceback
import importlib.util

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
WIDTH = 80


class Report:
    def __init__(self):
        self.column = 0
        self.passed = 0
        self.failed = []
        self.exceptions = []

    def write(self, text):
        sys.stdout.write(text)
        newline = text.rfind("\\n")
        self.column = self.column + len(text) if newline == -1 else len(text) - newline - 1

    def write_right(self, text):
        if self.column + len(text) > WIDTH:
            self.write("\\n")
        self.write(" " * (WIDTH - self.column - len(text)) + text)

    def centered(self, text, fill="="):
        text = " %s " % text if text else ""
        left = (WIDTH - len(text)) // 2
        self.write(fill * left + text + fill * (WIDTH - left - len(text)) + "\\n")


def main(arguments):
    verbose = "--verbose" in arguments or "-v" in arguments
    files = [argument for argument in arguments if not argument.startswith("-")]
    report = Report()
    report.centered("test process starts")
    version = "%s.%s.%s-%s-%s" % tuple(sys.version_info)
    report.write("executable:         %s  (%s) [%s]\\n" % (sys.executable, version, platform.python_implementation()))
    report.write("architecture:       64-bit\\n")
    report.write("cache:              %s\\n" % ("no" if "-C" in arguments else "yes"))
    report.write("ground types:       python \\n")
    report.write("numpy:              None\\n")
    report.write("random seed:        %d\\n" % random.randrange(10**8))
    report.write("hash randomization: on (PYTHONHASHSEED=%s)\\n\\n" % os.environ.get("PYTHONHASHSEED", "0"))
    started = time.time()
    for relative in files:
        spec = importlib.util.spec_from_file_location("fixture_tests_%d" % len(report.failed), os.path.join(ROOT, relative))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        tests = sorted(
            (value for name, value in vars(module).items() if name.startswith("test_") and callable(value)),
            key=lambda function: function.__code__.co_firstlineno,
        )
        report.write("%s[%d] " % (relative, len(tests)))
        file_failed = False
        for test in tests:
            if verbose:
                report.write("\\n%s " % test.__name__)
            try:
                test()
            except AssertionError:
                report.failed.append((relative, test.__name__, traceback.format_exc()))
                report.write("F")
                file_failed = True
            except Exception:
                report.exceptions.append((relative, test.__name__, traceback.format_exc()))
                report.write("E")
                file_failed = True
            else:
                report.passed += 1
                report.write("ok" if verbose else ".")
        report.write(" ")
        report.write_right("[FAIL]" if file_failed else "[OK]")
        report.write("\\n\\n" if verbose else "\\n")
    report.write("\\n")
    for title, entries in (("exceptions", report.exceptions), ("failures", report.failed)):
        for relative, name, details in entries:
            report.centered("", "_")
            report.centered("%s:%s" % (relative, name), "_")
            report.write(details)
        if entries:
            report.write("\\n")
    summary = "tests finished: %d passed, " % report.passed
    if report.failed:
        summary += "%d failed, " % len(report.failed)
    if report.exceptions:
        summary += "%d exceptions, " % len(report.exceptions)
    report.centered(summary + "in %.2f seconds" % (time.time() - started))
    if report.failed or report.exceptions:
        report.write("DO *NOT* COMMIT!\\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
`;

const modulePath = 'sympy/functions/combinatorial/harmonic_numbers.py';
const testPath = 'sympy/functions/combinatorial/tests/test_harmonic_numbers.py';

const baseFiles: Record<string, string> = {
  'README.md': '# A sympy-shaped fixture\n\nRun the tests with `bin/test -C --verbose FILE`.\n',
  'bin/test': binTest,
  'sympy/__init__.py': '"""A tiny package laid out like sympy."""\n',
  'sympy/functions/__init__.py': '',
  'sympy/functions/combinatorial/__init__.py': '',
  'sympy/functions/combinatorial/tests/__init__.py': '',
  [modulePath]:
    '"""Harmonic numbers, computed with mpmath."""\n\nimport mpmath\n\n\n' +
    'def harmonic(n):\n' +
    '    """The n-th harmonic number 1 + 1/2 + ... + 1/n as an mpmath float (0 for n = 0)."""\n' +
    '    if n < 0:\n' +
    '        raise ValueError("harmonic numbers are defined for n >= 0")\n' +
    '    return mpmath.fsum(mpmath.mpf(1) / k for k in range(1, n))\n',
  [testPath]:
    'from sympy.functions.combinatorial.harmonic_numbers import harmonic\n\n\n' +
    'def test_harmonic_zero():\n    assert harmonic(0) == 0\n\n\n' +
    'def test_harmonic_negative():\n    try:\n        harmonic(-1)\n    except ValueError:\n        return\n    raise AssertionError("harmonic(-1) did not raise")\n',
};

const fixedModule =
  '"""Harmonic numbers, computed with mpmath."""\n\nfrom fractions import Fraction\n\nimport mpmath\n\n\n' +
  'def harmonic(n):\n' +
  '    """The n-th harmonic number 1 + 1/2 + ... + 1/n as an mpmath float (0 for n = 0)."""\n' +
  '    if n < 0:\n' +
  '        raise ValueError("harmonic numbers are defined for n >= 0")\n' +
  '    return mpmath.fsum(mpmath.mpf(1) / k for k in range(1, n + 1))\n\n\n' +
  'def harmonic_fraction(n):\n' +
  '    """The n-th harmonic number as an exact fraction."""\n' +
  '    return sum((Fraction(1, k) for k in range(1, n + 1)), Fraction(0))\n';

const testsAfter =
  baseFiles[testPath] +
  '\n\ndef test_harmonic_small():\n    assert harmonic(1) == 1\n    assert harmonic(2) == 1.5\n\n\n' +
  'def test_harmonic_fraction():\n    from fractions import Fraction\n    from sympy.functions.combinatorial.harmonic_numbers import harmonic_fraction\n    assert harmonic_fraction(3) == Fraction(11, 6)\n\n\n' +
  'def test_harmonic_is_mpf():\n    import mpmath\n    assert isinstance(harmonic(4), mpmath.mpf)\n';

async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [relative, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(root, relative)), { recursive: true });
    await fs.writeFile(path.join(root, relative), content, relative === 'bin/test' ? { mode: 0o755 } : {});
  }
}

async function diffAgainstHead(root: string, files: Record<string, string>): Promise<string> {
  await writeFiles(root, files);
  await runGit(['add', '-A'], { cwd: root });
  const diff = await runGit(['diff', '--cached', '--no-color', 'HEAD'], { cwd: root });
  await runGit(['reset', '-q', '--hard', 'HEAD'], { cwd: root });
  return diff;
}

export interface SympyShapedRepository {
  root: string;
  instance: Instance;
  repositorySources: Record<string, string>;
  cleanup(): Promise<void>;
}

/** Builds the repository (as `sympy/sympy`) and its one instance, `sympy__sympy-90001`, version 1.12. */
export async function createSympyShapedRepository(): Promise<SympyShapedRepository> {
  const parent = await fs.mkdtemp(path.join(os.tmpdir(), 'sympy-shaped-'));
  const root = path.join(parent, 'sympy');
  await fs.mkdir(root);
  const environment = { GIT_AUTHOR_NAME: 'Fixture', GIT_AUTHOR_EMAIL: 'fixture@example.invalid', GIT_COMMITTER_NAME: 'Fixture', GIT_COMMITTER_EMAIL: 'fixture@example.invalid' };
  await runGit(['init', '-q', '-b', 'master'], { cwd: root });
  await writeFiles(root, baseFiles);
  await runGit(['add', '-A'], { cwd: root });
  await runGit(['commit', '-q', '--no-gpg-sign', '-m', 'harmonic numbers'], { cwd: root, env: environment });
  const baseCommit = (await runGit(['rev-parse', 'HEAD'], { cwd: root })).trim();
  const patch = await diffAgainstHead(root, { [modulePath]: fixedModule });
  const testPatch = await diffAgainstHead(root, { [testPath]: testsAfter });
  const instance = InstanceSchema.parse({
    instanceId: 'sympy__sympy-90001',
    repo: 'sympy/sympy',
    baseCommit,
    patch,
    testPatch,
    problemStatement: 'harmonic(1) returns 0\n\nThe first harmonic number is 1, but `harmonic(1)` gives 0 and `harmonic(2)` gives 1.0. An exact version would help too.\n',
    hintsText: '',
    version: '1.12',
    failToPass: ['test_harmonic_small', 'test_harmonic_fraction'],
    passToPass: ['test_harmonic_zero', 'test_harmonic_negative'],
    environmentSetupCommit: baseCommit,
  });
  return { root, instance, repositorySources: { 'sympy/sympy': root }, cleanup: () => fs.rm(parent, { recursive: true, force: true }) };
}
