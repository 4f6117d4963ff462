import { distance } from 'fastest-levenshtein';
import picomatch from 'picomatch';
import { askAndParse, createRepositoryPathResolver, createSourceFileFilter } from '@codemonkeys/plugin-kit';
import { UnparseableAnswerError } from '@codemonkeys/protocol';
import type { FileLevelRecord, IrrelevantFoldersRecord } from './agentless-metadata';
import { parseFileAnswer, pathLinesOf } from './file-answer';
import { AgentlessLocalizationError } from './localization-failed-error';
import { levelRecordOf, type LevelEnvironment } from './level-environment';
import { fileLevelPrompt } from './prompts/file-level-prompt';
import { irrelevantFoldersPrompt } from './prompts/irrelevant-folders-prompt';
import { foldersOf, renderRepositoryTree } from './repository-tree';
import { reaskPrompt } from './prompts/reask-prompt';

export interface FileLevelResult {
  files: string[];
  record: FileLevelRecord;
  irrelevantFolders?: IrrelevantFoldersRecord;
}

const endpointHint = 'Check that the model endpoint is reachable and the model name is right, then run the instance again (a resumed run retries it).';

/** Asks which folders are irrelevant and prunes them; on any trouble the tree stays whole and the record says why. */
async function pruneIrrelevantFolders(environment: LevelEnvironment, sources: string[]): Promise<{ kept: string[]; record: IrrelevantFoldersRecord }> {
  const folders = foldersOf(sources);
  const resolver = createRepositoryPathResolver(folders, { distance });
  const prompt = irrelevantFoldersPrompt({ problemStatement: environment.task.problemStatement, hintsText: environment.task.hintsText, tree: renderRepositoryTree(sources) });
  const outcome = await askAndParse({
    model: environment.model,
    request: environment.request(prompt, 0),
    signal: environment.signal,
    reaskPrompt,
    parse: (answer) => {
      const lines = pathLinesOf(answer).map((line) => line.replace(/\/+$/, ''));
      if (lines.length === 0 && !answer.includes('```'))
        throw new UnparseableAnswerError('no fenced block was found. Give one folder path per line inside one fenced block (an empty block when none is irrelevant).');
      const named: string[] = [];
      const dropped: IrrelevantFoldersRecord['dropped'] = [];
      for (const line of lines) {
        const resolved = resolver.resolve(line);
        if (resolved) {
          if (!named.includes(resolved.path)) named.push(resolved.path);
        } else dropped.push({ named: line, reason: 'no such folder among the source folders' });
      }
      return { named, dropped };
    },
  });
  if (outcome.status === 'failed' && outcome.reason === 'endpoint') {
    throw new AgentlessLocalizationError({ instanceId: environment.instanceId, level: 'irrelevantFolders', reason: outcome.error, hint: endpointHint, cause: outcome.cause });
  }
  const base = levelRecordOf(outcome);
  if (outcome.status === 'failed') return { kept: sources, record: { ...base, folders: [], prunedFiles: 0, dropped: [] } };
  const { named, dropped } = outcome.value;
  const kept = sources.filter((path) => !named.some((folder) => path.startsWith(`${folder}/`)));
  if (kept.length === 0) {
    return {
      kept: sources,
      record: { ...base, status: 'failed', error: 'the folders named hold every source file; the tree was left whole', folders: named, prunedFiles: 0, dropped },
    };
  }
  return { kept, record: { ...base, folders: named, prunedFiles: sources.length - kept.length, dropped } };
}

/**
 * Level 1: the repository tree (source files only, as the options filter them) → the `maxFiles` files
 * the model finds most suspicious. An endpoint failure here throws AgentlessLocalizationError (nothing
 * has been found yet); two unusable answers give a failed record and no files.
 */
export async function runFileLevel(environment: LevelEnvironment): Promise<FileLevelResult> {
  const { options } = environment;
  const allFiles = await environment.workspace.listFiles();
  const isSource = createSourceFileFilter({ ...options, compileGlobs: (globs) => picomatch([...globs], { dot: true }) });
  let sources = allFiles.filter(isSource);
  if (sources.length === 0) {
    throw new AgentlessLocalizationError({
      instanceId: environment.instanceId,
      level: 'files',
      reason: `none of the repository's ${allFiles.length} files matches include ${JSON.stringify(options.include)} once tests, docs and exclude are left out`,
      hint: 'Set the include option to the source files of this repository (e.g. ["**/*.js"]).',
    });
  }

  let irrelevantFolders: IrrelevantFoldersRecord | undefined;
  if (options.irrelevantFolders) {
    const pruned = await pruneIrrelevantFolders(environment, sources);
    sources = pruned.kept;
    irrelevantFolders = pruned.record;
  }

  const tree = renderRepositoryTree(sources);
  const prompt = fileLevelPrompt({ problemStatement: environment.task.problemStatement, hintsText: environment.task.hintsText, tree, maxFiles: options.maxFiles });
  const treeTokens = environment.countTokens(tree);
  const promptTokens = environment.countTokens(prompt);
  if (promptTokens > options.maxPromptTokens) {
    throw new AgentlessLocalizationError({
      instanceId: environment.instanceId,
      level: 'files',
      reason: `the repository tree of ${sources.length} source files takes ${promptTokens} prompt tokens, more than maxPromptTokens (${options.maxPromptTokens})`,
      hint: 'Narrow include/exclude, turn on irrelevantFolders, or raise maxPromptTokens if the model takes more.',
    });
  }

  // Paths in the tree first; a real file left out of the tree (a test the model insists on) only when named exactly (cleaned of quotes and prefixes).
  const resolvers = [createRepositoryPathResolver(sources, { distance }), createRepositoryPathResolver(allFiles, { fuzzy: false })];
  const outcome = await askAndParse({
    model: environment.model,
    request: environment.request(prompt, 0),
    signal: environment.signal,
    reaskPrompt,
    parse: (answer) => parseFileAnswer(answer, resolvers, options.maxFiles),
  });
  if (outcome.status === 'failed' && outcome.reason === 'endpoint') {
    throw new AgentlessLocalizationError({ instanceId: environment.instanceId, level: 'files', reason: outcome.error, hint: endpointHint, cause: outcome.cause });
  }
  const base = levelRecordOf(outcome);
  if (outcome.status === 'failed') {
    environment.logger.warn('agentless: level 1 failed: the model named no usable file', { instanceId: environment.instanceId, error: outcome.error });
    return { files: [], record: { ...base, treeFiles: sources.length, treeTokens, files: [], corrections: [], dropped: [] }, ...(irrelevantFolders ? { irrelevantFolders } : {}) };
  }
  const { paths, corrections, dropped } = outcome.value;
  return {
    files: paths,
    record: { ...base, treeFiles: sources.length, treeTokens, files: paths, corrections, dropped },
    ...(irrelevantFolders ? { irrelevantFolders } : {}),
  };
}
