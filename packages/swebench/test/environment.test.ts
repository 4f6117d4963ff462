import { describe, expect, it } from 'vitest';
import { SchemaValidationError } from '@codemonkeys/protocol';
import { describeWhenAvailable, locateSharedData } from '@codemonkeys/protocol/testkit';
import {
  builtInEnvironmentSpecs,
  environmentImageKey,
  findEnvironmentSpec,
  loadDataset,
  parseEnvironmentSpecs,
  pythonVersionOfSuite,
  sweBenchImageName,
  testCommandFor,
  testTargetsOf,
  type DebianEnvironmentSpec,
  type SweBenchImageSpec,
} from '../src/index';

const testPatch = (...paths: string[]) => paths.map((path) => `diff --git a/${path} b/${path}\n--- a/${path}\n+++ b/${path}\n@@ -1 +1 @@\n-a\n+b\n`).join('');

describe('environment specs', () => {
  it('picks test targets as SWE-bench does', () => {
    const patch = testPatch('tests/queries/tests.py', 'tests/queries/models.py', 'tests/fixtures/data.json', 'docs/notes.txt');
    expect(testTargetsOf(patch)).toEqual(['tests/queries/tests.py', 'tests/queries/models.py']);
    expect(testTargetsOf(patch, 'django-test-labels')).toEqual(['queries.tests', 'queries.models']);
  });

  it('finds the spec of an instance by repo and version; the caller’s specs come first', () => {
    const sympy = findEnvironmentSpec({ instanceId: 'sympy__sympy-1', repo: 'sympy/sympy', version: '1.1' }) as DebianEnvironmentSpec;
    expect(sympy.debianSuite).toBe('bullseye');
    expect(pythonVersionOfSuite[sympy.debianSuite]).toBe('3.9');
    expect(sympy.validation.status).toBe('measured');
    expect(findEnvironmentSpec({ instanceId: 'django__django-1', repo: 'django/django', version: '5.0' })).toMatchObject({ debianSuite: 'bookworm' });
    const custom = { ...sympy, versions: ['1.1'], testCommand: 'bin/test' };
    expect(findEnvironmentSpec({ instanceId: 'x', repo: 'sympy/sympy', version: '1.1' }, { specs: [custom] }).testCommand).toBe('bin/test');
    expect(() => findEnvironmentSpec({ instanceId: 'x', repo: 'sympy/sympy', version: '0.1' })).toThrow(/Specs exist for versions 1\.0/);
    expect(() => findEnvironmentSpec({ instanceId: 'x', repo: 'me/mine', version: '1' })).toThrow(/No spec exists/);
  });

  it('names official images as the harness does and keys built images by their content', () => {
    const official = findEnvironmentSpec({ instanceId: 'django__django-11099', repo: 'django/django', version: '3.0' }, { kind: 'swebench-image' }) as SweBenchImageSpec;
    expect(sweBenchImageName(official, 'django__django-11099')).toBe('swebench/sweb.eval.x86_64.django_1776_django-11099:latest');
    expect(official.testSelection).toBe('django-test-labels');
    expect(findEnvironmentSpec({ instanceId: 'a', repo: 'astropy/astropy', version: '1.3' }, { kind: 'swebench-image' }).testCommand).toContain('console_output_style=classic');
    const django = builtInEnvironmentSpecs.filter((spec): spec is DebianEnvironmentSpec => spec.kind === 'debian' && spec.repo === 'django/django');
    expect(environmentImageKey(django[0]!)).toMatch(/^bullseye-[0-9a-f]{12}$/);
    expect(environmentImageKey(django[0]!)).not.toBe(environmentImageKey(django[1]!));
  });

  it('reports invalid specs with the zod issues', () => {
    let error: unknown;
    try {
      parseEnvironmentSpecs([
        {
          kind: 'debian',
          repo: 'x',
          versions: [],
          debianSuite: 'buster',
          debianPackages: ['Python 3'],
          testCommand: 'pytest',
          logParser: 'nose',
          validation: { status: 'derived', detail: '' },
        },
      ]);
    } catch (caught) {
      error = caught;
    }
    expect(SchemaValidationError.isInstance(error)).toBe(true);
    for (const field of ['repo', 'versions', 'debianSuite', 'debianPackages', 'logParser']) expect((error as Error).message).toContain(field);
  });

  const data = locateSharedData('swe-bench-lite.jsonl', 'swe-bench-lite-dev.jsonl');
  describeWhenAvailable('coverage of SWE-bench Lite', data, () => {
    it('has a Debian spec and an official-image spec for every Lite instance, and a test command with targets', async () => {
      const instances = [...(await loadDataset(data.paths['swe-bench-lite.jsonl']!)), ...(await loadDataset(data.paths['swe-bench-lite-dev.jsonl']!))];
      for (const instance of instances) {
        const spec = findEnvironmentSpec(instance);
        findEnvironmentSpec(instance, { kind: 'swebench-image' });
        const command = testCommandFor(spec, instance);
        expect(command.length, instance.instanceId).toBeGreaterThan(spec.testCommand.length);
      }
      const django = instances.find((instance) => instance.instanceId === 'django__django-11099')!;
      expect(testCommandFor(findEnvironmentSpec(django), django)).toBe('python3 tests/runtests.py --verbosity 2 --settings=test_sqlite --parallel 1 auth_tests.test_validators');
    });
  });
});
