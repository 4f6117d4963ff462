import { NotFoundError, parseWithSchema, type Instance } from '@codemonkeys/protocol';
import { z } from 'zod';
import { EnvironmentSpecSchema, type DebianEnvironmentSpec, type EnvironmentSpec, type EnvironmentSpecInput, type SweBenchImageSpec } from './environment-spec';
import { liteEnvironmentSpecs, sweBenchImageSpecs } from './lite-environment-specs';
import { shellQuote, testTargetsOf } from './test-targets';

/** Validates a list of specs (a user's file, say); errors name the spec's index and field. */
export function parseEnvironmentSpecs(input: unknown, subject = 'Environment specs'): EnvironmentSpec[] {
  return parseWithSchema(z.array(EnvironmentSpecSchema), input, subject, 'See @codemonkeys/swebench README, "Environment specs".');
}

/** The specs shipped with this package: Debian-built ones for SWE-bench Lite, and official-image ones. */
export const builtInEnvironmentSpecs: readonly EnvironmentSpec[] = parseEnvironmentSpecs([...liteEnvironmentSpecs, ...sweBenchImageSpecs], 'Built-in environment specs');

export interface FindEnvironmentSpecOptions {
  /** `debian` (default): build here; `swebench-image`: official images. */
  kind?: EnvironmentSpec['kind'];
  /** Searched first, before the built-in specs. */
  specs?: readonly (EnvironmentSpec | EnvironmentSpecInput)[];
}

/** The spec serving an instance's (repo, version): an exact version beats `*`; the caller's specs beat built-in ones. */
export function findEnvironmentSpec(instance: Pick<Instance, 'instanceId' | 'repo' | 'version'>, options: FindEnvironmentSpecOptions = {}): EnvironmentSpec {
  const kind = options.kind ?? 'debian';
  const custom = options.specs ? parseEnvironmentSpecs(options.specs) : [];
  const version = instance.version ?? '';
  for (const candidates of [custom, builtInEnvironmentSpecs]) {
    const ofKind = candidates.filter((spec) => spec.kind === kind && spec.repo === instance.repo);
    const exact = ofKind.find((spec) => spec.versions.includes(version));
    if (exact) return exact;
    const wildcard = ofKind.find((spec) => spec.versions.includes('*'));
    if (wildcard) return wildcard;
  }
  const known = [...custom, ...builtInEnvironmentSpecs].filter((spec) => spec.kind === kind && spec.repo === instance.repo).flatMap((spec) => spec.versions);
  throw new NotFoundError(
    `No ${kind} environment spec for ${instance.repo} version "${version}" (instance ${instance.instanceId}). ` +
      (known.length > 0 ? `Specs exist for versions ${[...new Set(known)].join(', ')}. ` : 'No spec exists for this repository. ') +
      'Pass your own spec (options.specs) for it.',
  );
}

/** Replaces `{version}` and `{instance_id}` in a spec's command. */
export function expandCommand(command: string, instance: Pick<Instance, 'instanceId' | 'version'>): string {
  return command.replaceAll('{version}', instance.version ?? '0').replaceAll('{instance_id}', instance.instanceId);
}

/** The full test command of an instance: the spec's command followed by the test targets of its test patch. */
export function testCommandFor(spec: EnvironmentSpec, instance: Pick<Instance, 'instanceId' | 'version' | 'testPatch'>): string {
  const targets = testTargetsOf(instance.testPatch, spec.testSelection);
  return [expandCommand(spec.testCommand, instance), ...targets.map(shellQuote)].join(' ');
}

export type { DebianEnvironmentSpec, SweBenchImageSpec };
