import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import { createGunzip } from 'node:zlib';

/** The shared data's base-commit sources (`codebase-content-lite/`): which files to read for which instance. */
export const codebaseContentFiles = ['codebase-content-lite/instances.jsonl', 'codebase-content-lite/files.jsonl.gz'] as const;

/**
 * Base-commit texts of the given paths for each instance that `codebase-content-lite/` covers: instance
 * id → path → content. Paths it does not list (not Python, or not in the repository) are left out; so
 * are instances it does not cover. The contents file (≈156 MB unpacked) is streamed once.
 */
export async function loadBaseTexts(directory: string, wanted: ReadonlyMap<string, readonly string[]>): Promise<Map<string, Map<string, string>>> {
  const listing = await fs.readFile(path.join(directory, 'codebase-content-lite/instances.jsonl'), 'utf8');
  const shaOf = new Map<string, Map<string, string>>();
  const neededShas = new Set<string>();
  for (const line of listing.split('\n')) {
    if (line.trim() === '') continue;
    const entry = JSON.parse(line) as { instance_id: string; files: Array<[string, string]> };
    const paths = wanted.get(entry.instance_id);
    if (!paths) continue;
    const files = new Map(entry.files);
    const chosen = new Map<string, string>();
    for (const file of paths) {
      const sha = files.get(file);
      if (sha === undefined) continue;
      chosen.set(file, sha);
      neededShas.add(sha);
    }
    shaOf.set(entry.instance_id, chosen);
  }
  const contents = new Map<string, string>();
  const lines = readline.createInterface({ input: createReadStream(path.join(directory, 'codebase-content-lite/files.jsonl.gz')).pipe(createGunzip()), crlfDelay: Infinity });
  for await (const line of lines) {
    // Only parse the rows that are wanted: the sha256 is the first field of every row.
    const sha = /^\{"sha256": ?"([0-9a-f]{64})"/.exec(line)?.[1];
    if (sha === undefined || !neededShas.has(sha)) continue;
    contents.set(sha, (JSON.parse(line) as { content: string }).content);
  }
  const texts = new Map<string, Map<string, string>>();
  for (const [instanceId, files] of shaOf) {
    const byPath = new Map<string, string>();
    for (const [file, sha] of files) {
      const content = contents.get(sha);
      if (content === undefined) throw new Error(`codebase-content-lite: ${instanceId} lists ${file} with sha256 ${sha}, which files.jsonl.gz does not hold`);
      byPath.set(file, content);
    }
    texts.set(instanceId, byPath);
  }
  return texts;
}
