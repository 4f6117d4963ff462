import path from 'node:path';
import type { PluginKind } from '@codemonkeys/protocol';

export type PluginReference = { type: 'path'; name: string; location: string } | { type: 'package'; name: string; packageName: string };

/**
 * The one naming rule: a bare word (no `@`, no `/`) is short for `@codemonkeys/<kind>-<word>`, so
 * `agentless` as a localizer is `@codemonkeys/localizer-agentless` and `vote` as a selector is
 * `@codemonkeys/selector-vote`. A name starting with `.` or `/` is a local path (relative to `cwd`).
 * Anything else is a package name, used as written (scoped third-party plugins: `@you/localizer-x`).
 */
export function parsePluginName(name: string, kind: PluginKind, cwd: string): PluginReference {
  const trimmed = name.trim();
  if (trimmed.startsWith('.') || path.isAbsolute(trimmed)) return { type: 'path', name: trimmed, location: path.resolve(cwd, trimmed) };
  if (!trimmed.includes('/') && !trimmed.startsWith('@')) return { type: 'package', name: trimmed, packageName: `@codemonkeys/${kind}-${trimmed}` };
  return { type: 'package', name: trimmed, packageName: trimmed };
}

/** The short name of a first-party plugin package (`@codemonkeys/localizer-agentless` → `agentless`), if it has one. */
export function shortPluginName(packageName: string): string | undefined {
  return /^@codemonkeys\/(?:localizer|generator|selector)-(.+)$/.exec(packageName)?.[1];
}
