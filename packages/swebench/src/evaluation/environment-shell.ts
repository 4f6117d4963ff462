import type { EnvironmentSpec } from '../environment/environment-spec';

/**
 * Variables that force coloured output. Coloured pytest summaries are not the format SWE-bench's log
 * parsers read, and a runner started under a tool that sets them (Nx sets FORCE_COLOR) would otherwise
 * hand them to the tests. They are never passed into a sandbox and are unset in every script.
 */
export const colorForcingVariables = ['FORCE_COLOR', 'PY_COLORS', 'CLICOLOR_FORCE'] as const;

/** A spec's environment variables without the colour-forcing ones. */
export function sandboxEnvironment(spec: EnvironmentSpec, extra: Record<string, string> = {}): Record<string, string> {
  const environment: Record<string, string> = { ...spec.env, ...extra };
  for (const name of colorForcingVariables) delete environment[name];
  return environment;
}

/**
 * The argv that runs a script in the environment of `spec`: bash (as SWE-bench's eval scripts), with the
 * colour-forcing variables unset and, for official images, the image's conda environment activated.
 */
export function environmentShell(spec: EnvironmentSpec, script: string): string[] {
  const lines = [`unset ${colorForcingVariables.join(' ')}`];
  if (spec.kind === 'swebench-image') lines.push(`${spec.shellPrefix}`);
  lines.push(script);
  return ['bash', '-c', lines.join('\n')];
}
