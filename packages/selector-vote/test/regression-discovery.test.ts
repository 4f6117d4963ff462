import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createInMemoryWorkspace } from '@codemonkeys/protocol/testkit';
import { discoverRegressionTests, importsModule, parseTestStatuses } from '../src/index';

describe('finding the repository tests related to a change (no test list of the instance)', () => {
  it('recognizes the import forms of a module, relative ones and ones below a source root', () => {
    expect(importsModule('import pkg.sub.mod\n', 'pkg/sub/mod.py')).toBe(true);
    expect(importsModule('from pkg.sub.mod import thing\n', 'pkg/sub/mod.py')).toBe(true);
    expect(importsModule('from pkg.sub import (\n    mod,\n)\n', 'pkg/sub/mod.py')).toBe(true);
    expect(importsModule('from pkg.sub import other, mod as m\n', 'pkg/sub/mod.py')).toBe(true);
    expect(importsModule('from .mod import thing\n', 'pkg/sub/mod.py')).toBe(true);
    expect(importsModule('from . import mod\n', 'pkg/sub/mod.py')).toBe(true);
    expect(importsModule('from pkg.mod import x\n', 'src/pkg/mod.py')).toBe(true);
    expect(importsModule('import pkg.sub.model\nfrom pkg.sub import modest\n# from pkg.sub import mod\n', 'pkg/sub/mod.py')).toBe(false);
    expect(importsModule('from pkg import sub\n', 'pkg/sub/__init__.py')).toBe(true);
  });

  it('takes test modules named after a changed module first, then importers, then (only when none) the nearest directory', async () => {
    const workspace = createInMemoryWorkspace({
      instanceId: 'repo__pkg-1',
      files: {
        'pkg/core/parser.py': 'def parse(text):\n    return text\n',
        'pkg/core/other.py': '',
        'tests/test_parser.py': 'from pkg.core.parser import parse\n',
        'tests/core/test_reading.py': 'from pkg.core import parser\n',
        'tests/core/test_unrelated.py': 'from pkg.core import other\n',
        'tests/test_far.py': 'import json\n',
        'docs/test_notes.txt': '',
      },
    });
    const found = await discoverRegressionTests(workspace, ['pkg/core/parser.py', 'docs/index.rst'], { maxTestFiles: 5 });
    expect(found.files).toEqual([
      { path: 'tests/test_parser.py', reason: 'named-after' },
      { path: 'tests/core/test_reading.py', reason: 'imports' },
    ]);
    expect(found.filesScanned).toBe(3);
    expect((await discoverRegressionTests(workspace, ['pkg/core/parser.py'], { maxTestFiles: 1 })).files).toHaveLength(1);
    // A changed test file or a non-Python file has no related tests of its own.
    expect((await discoverRegressionTests(workspace, ['tests/test_far.py', 'README.md'], { maxTestFiles: 5 })).files).toEqual([]);
    // Nothing named after or importing the module: the test files sharing its deepest directory.
    const lonely = createInMemoryWorkspace({ instanceId: 'repo__pkg-2', files: { 'pkg/a.py': '', 'pkg/tests/test_b.py': 'import os\n', 'other/tests/test_c.py': '' } });
    expect((await discoverRegressionTests(lonely, ['pkg/a.py'], { maxTestFiles: 5 })).files).toEqual([{ path: 'pkg/tests/test_b.py', reason: 'same-directory' }]);
  });

  it("reads pytest's -rA summary into statuses", () => {
    expect(parseTestStatuses('PASSED tests/test_a.py::test_one\nFAILED tests/test_a.py::test_two - assert 1 == 2\nnoise\n')).toEqual({
      'tests/test_a.py::test_one': 'PASSED',
      'tests/test_a.py::test_two': 'FAILED',
    });
  });
});

describe('gold data never reaches the selector (adversarial check of its source)', () => {
  it('no source file of the selector names a gold field of an instance', async () => {
    const directory = path.join(import.meta.dirname, '..', 'src');
    const files = (await fs.readdir(directory, { recursive: true })).filter((file) => file.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      // Comments may say what is never read; code may not touch it.
      const code = (await fs.readFile(path.join(directory, file), 'utf8')).replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      expect(code, file).not.toMatch(/failToPass|passToPass|FAIL_TO_PASS|PASS_TO_PASS|testPatch|test_patch|goldPatch/i);
    }
  });
});
