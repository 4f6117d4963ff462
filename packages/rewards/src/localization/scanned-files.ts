import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { TokenCounter, Workspace } from '@codemonkeys/protocol';
import { countLines, type BaseFileReader } from './file-reader';

/**
 * What a localizer may report in `metadata.scanned` about the files it looked at, so that compression
 * is measured against what it really scanned: the paths (lines and tokens are then counted here), or the
 * counts themselves. Either is optional; counts win over paths.
 */
export const ScannedMetadataSchema = z.object({
  files: z.array(z.string().min(1)).optional(),
  lines: z.number().int().min(0).optional(),
  tokens: z.number().min(0).optional(),
});
export type ScannedMetadata = z.output<typeof ScannedMetadataSchema>;

/** The size of what a localizer scanned: the denominator of compression. */
export interface ScannedMeasure {
  /** `metadata-counts`: the localizer's `scanned.lines`/`tokens`; `metadata-files`: its `scanned.files`, measured here; `repository`: every source file of the repository. */
  source: 'metadata-counts' | 'metadata-files' | 'repository';
  /** Files counted (null when the localizer gave counts only). */
  files: number | null;
  lines: number | null;
  tokens: number | null;
}

/**
 * File extensions counted as source files when a localizer does not say what it scanned: the usual
 * programming languages (SWE-bench's repositories are Python). Documentation, data and configuration
 * files are left out.
 */
export const defaultSourceExtensions: readonly string[] = [
  '.py',
  '.pyi',
  '.pyx',
  '.js',
  '.jsx',
  '.mjs',
  '.cjs',
  '.ts',
  '.tsx',
  '.java',
  '.kt',
  '.scala',
  '.go',
  '.rs',
  '.c',
  '.h',
  '.cc',
  '.cpp',
  '.hpp',
  '.cs',
  '.rb',
  '.php',
  '.swift',
];

/** Reads `metadata.scanned` of a localization result; undefined when absent or malformed (then the repository is used). */
export function scannedMetadataOf(metadata: Record<string, unknown>): ScannedMetadata | undefined {
  const parsed = ScannedMetadataSchema.safeParse(metadata.scanned);
  if (!parsed.success) return undefined;
  const { files, lines, tokens } = parsed.data;
  return files === undefined && lines === undefined && tokens === undefined ? undefined : parsed.data;
}

interface FileSize {
  lines: number;
  tokens: number;
}

/**
 * Lines and tokens of files, cached by content hash: consecutive base commits of one repository share
 * most files, so measuring a repository again costs little more than reading it.
 */
export class FileSizeCache {
  private readonly sizes = new Map<string, FileSize>();
  private readonly repositories = new Map<string, Promise<ScannedMeasure>>();

  constructor(
    private readonly countTokens: TokenCounter,
    private readonly maxEntries = 200_000,
  ) {}

  sizeOf(content: string): FileSize {
    const key = createHash('sha1').update(content).digest('base64');
    let size = this.sizes.get(key);
    if (!size) {
      size = { lines: countLines(content), tokens: content === '' ? 0 : this.countTokens(content) };
      if (this.sizes.size >= this.maxEntries) this.sizes.delete(this.sizes.keys().next().value!);
      this.sizes.set(key, size);
    }
    return size;
  }

  /** Lines and tokens of the given files (missing files count nothing). */
  async measureFiles(paths: readonly string[], readFile: BaseFileReader): Promise<{ files: number; lines: number; tokens: number }> {
    let files = 0;
    let lines = 0;
    let tokens = 0;
    const unique = [...new Set(paths)];
    // A few reads at a time: the workspace serves them from one git process.
    for (let start = 0; start < unique.length; start += 32) {
      const contents = await Promise.all(unique.slice(start, start + 32).map((path) => readFile(path)));
      for (const content of contents) {
        if (content === undefined) continue;
        const size = this.sizeOf(content);
        files += 1;
        lines += size.lines;
        tokens += size.tokens;
      }
    }
    return { files, lines, tokens };
  }

  /** Every source file of a repository at a commit (`key` names the repository and commit), measured once per key. */
  measureRepository(key: string, workspace: Pick<Workspace, 'listFiles'>, readFile: BaseFileReader, extensions: readonly string[]): Promise<ScannedMeasure> {
    let pending = this.repositories.get(key);
    if (!pending) {
      pending = (async () => {
        const wanted = new Set(extensions.map((extension) => extension.toLowerCase()));
        const paths = (await workspace.listFiles()).filter((path) => wanted.has(extensionOf(path)));
        const measured = await this.measureFiles(paths, readFile);
        return { source: 'repository' as const, ...measured };
      })();
      pending.catch(() => this.repositories.delete(key));
      this.repositories.set(key, pending);
    }
    return pending;
  }
}

function extensionOf(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot).toLowerCase();
}
