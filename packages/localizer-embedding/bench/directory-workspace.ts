import fs from 'node:fs/promises';
import path from 'node:path';
import { NotFoundError, UnsupportedCapabilityError, type Workspace } from '@codemonkeys/protocol';
import { outlinePython, skeletonPython } from '@codemonkeys/swebench';

/** A read-only Workspace over a folder on disk (the bench's generated repository), outlining Python with tree-sitter. */
export function createDirectoryWorkspace(root: string, paths: readonly string[]): Workspace {
  const read = async (relative: string): Promise<string> => {
    try {
      return await fs.readFile(path.join(root, relative), 'utf8');
    } catch (error) {
      throw new NotFoundError(`File "${relative}" does not exist in ${root}.`, { cause: error });
    }
  };
  return {
    specificationVersion: 'v1',
    instanceId: 'generated',
    capabilities: { outline: true, writableCopy: false },
    listFiles: async () => [...paths].sort(),
    readFile: read,
    fileExists: async (relative) => paths.includes(relative),
    outline: async (relative) => outlinePython(await read(relative)),
    skeleton: async (relative) => (await skeletonPython(await read(relative))).text,
    createWritableCopy: async () => {
      throw new UnsupportedCapabilityError({ capability: 'writableCopy', provider: 'The bench workspace', hint: 'Not needed by the localizer.' });
    },
  };
}
