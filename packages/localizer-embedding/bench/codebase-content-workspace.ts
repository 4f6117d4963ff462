import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { Workspace } from '@codemonkeys/protocol';
import { createInMemoryWorkspace } from '@codemonkeys/protocol/testkit';
import { outlinePython } from '@codemonkeys/swebench';

/** The shared data's base-commit sources, relative to the data folder (see its README). */
export const codebaseContentFiles = ['codebase-content-lite/instances.jsonl', 'codebase-content-lite/files.jsonl.gz'] as const;

export interface CodebaseContent {
  /** Instance ids it covers, sorted (so instances of one repository follow each other). */
  instanceIds: string[];
  repoOf(instanceId: string): string;
  /** The Python files of the instance at its exact base commit, outlined with tree-sitter. */
  workspace(instanceId: string): Workspace;
}

/**
 * Loads `codebase-content-lite/` (every `*.py` blob at each instance's base commit, contents stored once by
 * sha256) as one in-memory `Workspace` per instance. Contents are shared between instances, so the 54
 * instances take about the 150 MB of their unique sources.
 */
export async function loadCodebaseContent(dataDirectory: string, only?: ReadonlySet<string>): Promise<CodebaseContent> {
  const listing = await fs.readFile(path.join(dataDirectory, codebaseContentFiles[0]), 'utf8');
  const entries = new Map<string, { repo: string; files: Array<[string, string]> }>();
  const needed = new Set<string>();
  for (const line of listing.split('\n')) {
    if (line.trim() === '') continue;
    const entry = JSON.parse(line) as { instance_id: string; repo: string; files: Array<[string, string]> };
    if (only && !only.has(entry.instance_id)) continue;
    entries.set(entry.instance_id, { repo: entry.repo, files: entry.files });
    for (const [, sha] of entry.files) needed.add(sha);
  }
  const contents = new Map<string, string>();
  const rows = readline.createInterface({ input: createReadStream(path.join(dataDirectory, codebaseContentFiles[1])).pipe(createGunzip()), crlfDelay: Infinity });
  for await (const row of rows) {
    const sha = /^\{"sha256": ?"([0-9a-f]{64})"/.exec(row)?.[1];
    if (sha === undefined || !needed.has(sha)) continue;
    contents.set(sha, (JSON.parse(row) as { content: string }).content);
  }
  const outline = async (_path: string, content: string) => outlinePython(content);
  return {
    instanceIds: [...entries.keys()].sort(),
    repoOf: (instanceId) => entries.get(instanceId)!.repo,
    workspace(instanceId) {
      const entry = entries.get(instanceId);
      if (!entry) throw new Error(`codebase-content-lite does not cover ${instanceId}`);
      const files: Record<string, string> = {};
      for (const [file, sha] of entry.files) {
        const content = contents.get(sha);
        if (content === undefined) throw new Error(`codebase-content-lite: ${instanceId} lists ${file} with sha256 ${sha}, which files.jsonl.gz does not hold`);
        files[file] = content;
      }
      return createInMemoryWorkspace({ instanceId, files, outline });
    },
  };
}
