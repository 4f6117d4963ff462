import { createHash } from 'node:crypto';
import { z } from 'zod';
import { LogParserNameSchema } from '../grading/log-parsers';

/** Debian releases that environments are built from; each fixes the Python version. */
export const DebianSuiteSchema = z.enum(['bullseye', 'bookworm']);
export type DebianSuite = z.output<typeof DebianSuiteSchema>;
export const pythonVersionOfSuite: Readonly<Record<DebianSuite, string>> = { bullseye: '3.9', bookworm: '3.11' };

/**
 * How the test targets of an instance are picked from its test patch (SWE-bench's
 * `get_test_directives`): `test-files` passes the changed files' paths (data files such as .json,
 * .txt, .png left out); `django-test-labels` turns `tests/a/b.py` into the label `a.b`.
 */
export const TestSelectionSchema = z.enum(['test-files', 'django-test-labels']);
export type TestSelection = z.output<typeof TestSelectionSchema>;

/** What is known about whether a spec reproduces SWE-bench's verdicts. */
export const SpecValidationSchema = z.object({
  /** `measured`: gold patches were evaluated with it; `derived`: written from SWE-bench's harness constants, not yet run. */
  status: z.enum(['measured', 'derived']),
  detail: z.string(),
});

const versionList = z.array(z.string().min(1)).min(1);
const commandList = z.array(z.string().min(1)).default([]);

const sharedFields = {
  repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'must be "owner/name"'),
  /** The instance `version` labels this spec serves; `*` matches any version. */
  versions: versionList,
  /** Runs in the workdir with the test targets appended, e.g. `python3 -m pytest -rA`. */
  testCommand: z.string().min(1),
  logParser: LogParserNameSchema,
  testSelection: TestSelectionSchema.default('test-files'),
  /** Shell commands run in the workdir before every test run (exports, helper servers). */
  preTestCommands: commandList,
  /** Environment variables of every command. */
  env: z.record(z.string(), z.string()).default({}),
  /** Kill the test run after this long (an infrastructure failure, not a test failure). */
  testTimeoutSeconds: z.number().int().positive().default(1800),
  validation: SpecValidationSchema,
  notes: z.string().optional(),
};

/**
 * An environment built here from the offline debootstrap base image of a Debian release plus Debian
 * packages; the repository is put at `/testbed` at the instance's base commit.
 */
export const DebianEnvironmentSpecSchema = z.object({
  kind: z.literal('debian'),
  ...sharedFields,
  debianSuite: DebianSuiteSchema,
  /** Installed with apt-get into the environment image. */
  debianPackages: z.array(z.string().regex(/^[a-z0-9][a-z0-9+.-]+$/, 'must be a Debian package name')).min(1),
  /** Run as root when the environment image is built (no repository yet), e.g. `locale-gen`. */
  imageCommands: commandList,
  /**
   * Run in the workdir once the repository is in place, before any patch, without network (e.g. build
   * extensions, write a version file). `{version}` and `{instance_id}` are replaced.
   */
  setupCommands: commandList,
});
export type DebianEnvironmentSpec = z.output<typeof DebianEnvironmentSpecSchema>;

/**
 * An official SWE-bench instance image (`swebench/sweb.eval.x86_64.<id>`), where a registry can be
 * reached: the repository is already at /testbed with its conda environment `testbed`.
 */
export const SweBenchImageSpecSchema = z.object({
  kind: z.literal('swebench-image'),
  ...sharedFields,
  /**
   * `{instance_id}` is replaced by the image-safe id (lower case, `__` → `_1776_`): the name the SWE-bench
   * harness gives the instance images it publishes (`swebench/sweb.eval.<arch>.<id>:latest`).
   */
  imageTemplate: z.string().default('swebench/sweb.eval.x86_64.{instance_id}:latest'),
  /**
   * A registry (mirror) to pull from instead of Docker Hub, prefixed to the image name: `127.0.0.1:5000`
   * pulls `127.0.0.1:5000/swebench/sweb.eval.…`. The `registry` option of evaluation overrides it.
   */
  registry: z
    .string()
    .regex(/^[\w.-]+(:\d+)?(\/[\w.-]+)*\/?$/, 'must be a registry host, e.g. "127.0.0.1:5000" or "mirror.example.com/swebench-mirror"')
    .optional(),
  /** Prefixed to every command: activates the image's conda environment. */
  shellPrefix: z.string().default('source /opt/miniconda3/bin/activate && conda activate testbed'),
});
export type SweBenchImageSpec = z.output<typeof SweBenchImageSpecSchema>;

export const EnvironmentSpecSchema = z.discriminatedUnion('kind', [DebianEnvironmentSpecSchema, SweBenchImageSpecSchema]);
export type EnvironmentSpec = z.output<typeof EnvironmentSpecSchema>;
export type EnvironmentSpecInput = z.input<typeof EnvironmentSpecSchema>;

/** Where the repository sits inside every environment (as in SWE-bench's images). */
export const environmentWorkdir = '/testbed';

/**
 * A short stable hash of what goes into an environment image (suite, packages, image commands), for
 * image tags: specs that differ only in test commands share an image.
 */
export function environmentImageKey(spec: DebianEnvironmentSpec): string {
  const content = JSON.stringify({ suite: spec.debianSuite, packages: [...spec.debianPackages].sort(), imageCommands: spec.imageCommands });
  return `${spec.debianSuite}-${createHash('sha256').update(content).digest('hex').slice(0, 12)}`;
}

/**
 * The official SWE-bench image of an instance, as the harness names it (`instance_image_key` of its
 * TestSpec): `swebench/sweb.eval.x86_64.django_1776_django-11099:latest`.
 */
export function sweBenchImageName(spec: SweBenchImageSpec, instanceId: string): string {
  return spec.imageTemplate.replace('{instance_id}', instanceId.toLowerCase().replaceAll('__', '_1776_'));
}

/**
 * Where the official image of an instance is pulled from: its name behind the registry (`registry`, else
 * the spec's), e.g. `127.0.0.1:5000/swebench/sweb.eval.x86_64.django_1776_django-11099:latest`; the name
 * itself (Docker Hub) without one.
 */
export function sweBenchImageReference(spec: SweBenchImageSpec, instanceId: string, registry?: string): string {
  const name = sweBenchImageName(spec, instanceId);
  const prefix = (registry ?? spec.registry)?.replace(/\/+$/, '');
  return prefix ? `${prefix}/${name}` : name;
}
