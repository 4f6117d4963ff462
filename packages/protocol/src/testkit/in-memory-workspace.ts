import { NotFoundError } from '../errors/data-errors';
import { UnsupportedCapabilityError } from '../errors/capability-errors';
import type { OutlineEntry } from '../workspace/v1/outline';
import type { Workspace, WorkspaceCapabilities, WritableWorkspace } from '../workspace/v1/workspace';
import { normalizeRepositoryPath } from '../workspace/repository-path';

export interface InMemoryWorkspaceOptions {
  instanceId: string;
  /** Repository path → content. */
  files: Record<string, string>;
  /** A parser for `outline()`; without one, outline and skeleton are unsupported. */
  outline?: (path: string, content: string) => OutlineEntry[] | Promise<OutlineEntry[]>;
}

/**
 * A read-only Workspace over files held in memory, for unit tests of plugins. Writable copies need a
 * real repository: use @codemonkeys/swebench's workspaces.
 */
export function createInMemoryWorkspace(options: InMemoryWorkspaceOptions): Workspace {
  const files = new Map(Object.entries(options.files).map(([path, content]) => [normalizeRepositoryPath(path), content]));
  const capabilities: WorkspaceCapabilities = { outline: options.outline !== undefined, writableCopy: false };
  const read = (path: string): string => {
    const content = files.get(normalizeRepositoryPath(path));
    if (content === undefined) throw new NotFoundError(`File "${path}" does not exist in the workspace of ${options.instanceId}.`);
    return content;
  };
  const outline = async (path: string): Promise<OutlineEntry[]> => {
    if (!options.outline) throw new UnsupportedCapabilityError({ capability: 'outline', provider: 'The in-memory workspace', hint: 'Pass an outline parser.' });
    return options.outline(normalizeRepositoryPath(path), read(path));
  };
  return {
    specificationVersion: 'v1',
    instanceId: options.instanceId,
    capabilities,
    listFiles: async () => [...files.keys()].sort(),
    readFile: async (path) => read(path),
    fileExists: async (path) => files.has(normalizeRepositoryPath(path)),
    outline,
    async skeleton(path) {
      const entries = await outline(path);
      const lines = read(path).split('\n');
      const keep = new Set<number>();
      for (const entry of entries) keep.add(entry.startLine);
      return lines.filter((_, index) => keep.has(index + 1)).join('\n');
    },
    async createWritableCopy(): Promise<WritableWorkspace> {
      throw new UnsupportedCapabilityError({
        capability: 'writableCopy',
        provider: 'The in-memory workspace',
        hint: 'Use a repository workspace from @codemonkeys/swebench.',
      });
    },
  };
}
