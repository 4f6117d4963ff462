interface Folder {
  folders: Map<string, Folder>;
  files: string[];
}

/**
 * The repository structure as Agentless shows it to the model: one name per line, folders with a
 * trailing `/`, children indented by four spaces; folders first, then files, each sorted.
 */
export function renderRepositoryTree(paths: readonly string[]): string {
  const root: Folder = { folders: new Map(), files: [] };
  for (const path of paths) {
    const parts = path.split('/');
    let folder = root;
    for (const part of parts.slice(0, -1)) {
      let next = folder.folders.get(part);
      if (!next) {
        next = { folders: new Map(), files: [] };
        folder.folders.set(part, next);
      }
      folder = next;
    }
    folder.files.push(parts.at(-1)!);
  }
  const lines: string[] = [];
  const walk = (folder: Folder, depth: number): void => {
    const indent = '    '.repeat(depth);
    for (const name of [...folder.folders.keys()].sort()) {
      lines.push(`${indent}${name}/`);
      walk(folder.folders.get(name)!, depth + 1);
    }
    for (const name of [...folder.files].sort()) lines.push(`${indent}${name}`);
  };
  walk(root, 0);
  return lines.join('\n');
}

/** Every folder that holds one of `paths`, without a trailing slash (`a`, `a/b` for `a/b/c.py`). */
export function foldersOf(paths: readonly string[]): string[] {
  const folders = new Set<string>();
  for (const path of paths) {
    const parts = path.split('/');
    for (let end = 1; end < parts.length; end += 1) folders.add(parts.slice(0, end).join('/'));
  }
  return [...folders].sort();
}
