import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeWhenAvailable } from '@codemonkeys/protocol/testkit';
import { outlinePython, skeletonPython } from '../src/index';

const sample = `"""Module."""
import os

LIMIT = 10


@cache
@other(
    1,
)
def top(a,
        b=2) -> int:
    """Top."""
    def inner():
        return 1
    return inner()


class Base(Mixin, metaclass=Meta):
    """Base."""
    name: str = "x"

    async def fetch(self, *args, **kwargs):
        return await go()

    class Nested:
        pass


if TYPE_CHECKING:
    def typed() -> None: ...


def broken(:
    pass
`;

describe('Python outline (tree-sitter)', () => {
  it('lists classes, functions and methods with spans including decorators, and signatures', async () => {
    const outline = await outlinePython(sample);
    expect(outline.map((entry) => [entry.kind, entry.qualifiedName, entry.startLine, entry.endLine])).toEqual([
      ['function', 'top', 7, 16],
      ['function', 'top.inner', 14, 15],
      ['class', 'Base', 19, 27],
      ['method', 'Base.fetch', 23, 24],
      ['class', 'Base.Nested', 26, 27],
      ['function', 'typed', 31, 31],
      ['function', 'broken', 34, 35],
    ]);
    expect(outline[0]!.signature).toBe('def top(a,\n        b=2) -> int:');
    expect(outline[2]!.signature).toBe('class Base(Mixin, metaclass=Meta):');
    expect(outline[3]!.signature).toBe('async def fetch(self, *args, **kwargs):');
  });

  it('keeps imports, constants, signatures and docstrings in the skeleton, bodies elided', async () => {
    const skeleton = await skeletonPython(sample);
    expect(skeleton.text).toContain('import os\nLIMIT = 10\n@cache\n@other(\n    1,\n)\ndef top(a,\n        b=2) -> int:\n    """Top."""\n    ...\n');
    expect(skeleton.text).toContain('class Base(Mixin, metaclass=Meta):\n    """Base."""\n    name: str = "x"\n    async def fetch(self, *args, **kwargs):\n        ...\n');
    expect(skeleton.text).not.toContain('return inner()');
  });

  const stdlib = '/usr/lib/python3.11';
  const python = spawnSync('python3', ['-c', 'import ast'], { encoding: 'utf8' });
  describeWhenAvailable('agreement with Python’s own ast module', { available: python.status === 0 && fs.existsSync(stdlib), reason: `python3 and ${stdlib} are needed` }, () => {
    it('finds the same definitions, at the same lines, as ast in standard-library modules', async () => {
      const files = ['argparse.py', 'dataclasses.py', 'json/decoder.py', 'asyncio/tasks.py', 'email/message.py', 'unittest/case.py', 'typing.py', 'pathlib.py']
        .map((name) => `${stdlib}/${name}`)
        .filter((file) => fs.existsSync(file));
      const script =
        'import ast, json, sys\nout = {}\nfor path in sys.argv[1:]:\n    entries = []\n    def visit(node, scope):\n        for child in ast.iter_child_nodes(node):\n' +
        '            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):\n                start = min([child.lineno] + [d.lineno for d in child.decorator_list])\n' +
        '                entries.append([".".join(scope + [child.name]), start, child.end_lineno])\n                visit(child, scope + [child.name])\n' +
        '            elif not isinstance(child, (ast.Lambda,)):\n                visit(child, scope)\n    visit(ast.parse(open(path).read()), [])\n    out[path] = entries\nprint(json.dumps(out))\n';
      const expected = JSON.parse(spawnSync('python3', ['-c', script, ...files], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).stdout) as Record<
        string,
        [string, number, number][]
      >;
      let definitions = 0;
      for (const file of files) {
        const outline = await outlinePython(fs.readFileSync(file, 'utf8'));
        const ours = outline.map((entry) => [entry.qualifiedName, entry.startLine, entry.endLine]);
        const sortKey = (entry: (string | number)[]) => `${String(entry[1]).padStart(6, '0')}:${entry[0]}`;
        expect(
          ours.sort((left, right) => sortKey(left).localeCompare(sortKey(right))),
          file,
        ).toEqual(expected[file]!.sort((left, right) => sortKey(left).localeCompare(sortKey(right))));
        definitions += ours.length;
      }
      expect(definitions).toBeGreaterThan(500);
    });
  });
});
