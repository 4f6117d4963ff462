import { approximateTokenCount, type CodePointer, type LocalizationResult, type TokenCounter, type Workspace } from '@codemonkeys/protocol';
import type { FileDiff } from '@codemonkeys/swebench';
import { measureContext } from './context-measure';
import { workspaceFileReader } from './file-reader';
import { goldLocalizationOf } from './gold-localization';
import { goldFileRanks, type GoldFileRanks } from './gold-file-ranks';
import { localizationLineRewards, type LocalizationLineRewards } from './localization-line-rewards';
import { FileSizeCache, defaultSourceExtensions, scannedMetadataOf, type ScannedMeasure } from './scanned-files';

export interface LocalizationRewardsOptions {
  result: LocalizationResult;
  /** The instance's gold patch (gold data: read only by rewards). */
  goldPatch: string | readonly FileDiff[];
  /** The repository at the base commit: clamps pointers, renders them for tokens, measures scanned files. */
  workspace?: Pick<Workspace, 'listFiles' | 'fileExists' | 'readFile'>;
  /** Default: core's four-characters-a-token approximation. Pass one fixed tokenizer for every run you compare. */
  countTokens?: TokenCounter;
  /** Shared across calls so that each repository commit is measured once. */
  fileSizes?: FileSizeCache;
  /** Names the repository and commit for `fileSizes` (e.g. `${repo}@${baseCommit}`); default the workspace object. */
  repositoryKey?: string;
  /** Which files count as the repository's source files (default `defaultSourceExtensions`). */
  sourceExtensions?: readonly string[];
}

export interface LocalizationRewards extends LocalizationLineRewards {
  form: 'text' | 'pointers';
  /** Tokens of the context; null for pointers without a workspace. */
  contextTokens: number | null;
  /** What the localizer scanned; null when it said nothing and there is no workspace. */
  scanned: ScannedMeasure | null;
  /** Context lines / scanned lines; null when unknown or nothing was scanned. */
  compressionLines: number | null;
  /** Context tokens / scanned tokens; null when unknown or nothing was scanned. */
  compressionTokens: number | null;
  /** Files pointers name that do not exist at the base commit. */
  missingFiles: string[];
  /** Where the gold files are in the ranked pointer list (files by first appearance); null for a string result. */
  goldFileRanks: GoldFileRanks | null;
}

const ratio = (numerator: number | null, denominator: number | null): number | null =>
  numerator === null || denominator === null || denominator === 0 ? null : numerator / denominator;

/** Lines as the renderer numbers them: a final newline does not start a line. */
const splitBaseLines = (content: string): string[] => {
  const lines = content.split('\n');
  if (lines.length > 1 && lines.at(-1) === '') lines.pop();
  return lines;
};

let anonymousRepositories = 0;
const repositoryKeys = new WeakMap<object, string>();

/**
 * Every localization reward of DESIGN §4 for one localization result (either form): gold-line recall,
 * gold-hunk recall, file recall (all / any), gold-file top-1/5/10 of a pointer list, context lines and tokens, compression (context over scanned, in lines and
 * tokens) and relevant-over-context.
 */
export async function computeLocalizationRewards(options: LocalizationRewardsOptions): Promise<LocalizationRewards> {
  const countTokens = options.countTokens ?? approximateTokenCount;
  const readFile = options.workspace ? workspaceFileReader(options.workspace) : undefined;
  const context = await measureContext(options.result, { countTokens, ...(readFile ? { readFile } : {}) });
  const gold = goldLocalizationOf(options.goldPatch);
  // Insertion points skip blank neighbours: read the base lines of the files that have one.
  const fileLines = new Map<string, string[]>();
  if (readFile) {
    for (const path of gold.insertionPoints.keys()) {
      const content = await readFile(path);
      if (content !== undefined) fileLines.set(path, splitBaseLines(content));
    }
  }
  const lineRewards = localizationLineRewards(context.shown, gold, { fileLines: (path) => fileLines.get(path) });

  const sizes = options.fileSizes ?? new FileSizeCache(countTokens);
  const reported = scannedMetadataOf(options.result.metadata);
  let scanned: ScannedMeasure | null = null;
  if (reported && (reported.lines !== undefined || reported.tokens !== undefined)) {
    scanned = { source: 'metadata-counts', files: reported.files?.length ?? null, lines: reported.lines ?? null, tokens: reported.tokens ?? null };
  } else if (reported?.files && readFile) {
    scanned = { source: 'metadata-files', ...(await sizes.measureFiles(reported.files, readFile)) };
  } else if (options.workspace && readFile) {
    let key = options.repositoryKey;
    if (key === undefined) {
      key = repositoryKeys.get(options.workspace) ?? `workspace-${(anonymousRepositories += 1)}`;
      repositoryKeys.set(options.workspace, key);
    }
    scanned = await sizes.measureRepository(key, options.workspace, readFile, options.sourceExtensions ?? defaultSourceExtensions);
  }

  return {
    ...lineRewards,
    form: context.form,
    contextTokens: context.tokens,
    scanned,
    compressionLines: ratio(lineRewards.contextLines, scanned?.lines ?? null),
    compressionTokens: ratio(context.tokens, scanned?.tokens ?? null),
    missingFiles: context.missingFiles,
    goldFileRanks: typeof options.result.content === 'string' ? null : goldFileRanks(options.result.content as readonly CodePointer[], gold.files),
  };
}
