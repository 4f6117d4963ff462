import { addExchangeCost, emptyExchangeCost, localizationOutput, withFollowedSignal } from '@codemonkeys/plugin-kit';
import { type CodePointer, type Task, type LocalizationResult, type LocalizerV1, type PluginContext } from '@codemonkeys/protocol';
import type { AgentlessMetadata, LevelCost } from './agentless-metadata';
import type { AgentlessOptions } from './agentless-options';
import { runEditLevel } from './edit-level';
import { runElementLevel } from './element-level';
import { runFileLevel } from './file-level';
import { createLevelEnvironment } from './level-environment';
import { packageMeta } from './package-meta';
import { promptVersion } from './prompts/prompt-version';

/** The task as the prompts see it: hints only when asked for. */
const withoutHintsUnless = (useHints: boolean, task: Task): Task => (useHints ? task : { ...task, hintsText: '' });

const costOf = (record: LevelCost | undefined): LevelCost =>
  record ? { calls: record.calls, cacheHits: record.cacheHits, usage: record.usage, costUsd: record.costUsd } : emptyExchangeCost();

/**
 * Agentless' hierarchical localization as a Localizer: files from the repository tree, then elements
 * from the skeletons of those files, then edit lines from the code of those elements. Each level works
 * from what the one before found; when a level fails (two unusable answers, a failed call), what the
 * levels before it found is returned and the metadata says which level failed and why. Only a failure
 * before anything was found (the first call, or a tree that does not fit) fails the stage, with an
 * AgentlessLocalizationError.
 */
export class AgentlessLocalizer implements LocalizerV1 {
  readonly specificationVersion = 'v1' as const;

  constructor(
    private readonly options: AgentlessOptions,
    private readonly context: PluginContext,
  ) {}

  async run(instanceId: string): Promise<LocalizationResult> {
    // The level-3 samples in flight all listen to the signal: give them a signal of their own.
    return withFollowedSignal(this.context.signal, this.options.samples + 8, (signal) => this.localize(instanceId, signal));
  }

  private async localize(instanceId: string, signal: AbortSignal): Promise<LocalizationResult> {
    const { options, context } = this;
    const model = options.modelRole ? context.modelFor(options.modelRole) : context.model;
    const environment = createLevelEnvironment({
      instanceId,
      task: withoutHintsUnless(options.useHints, await context.task(instanceId)),
      workspace: await context.workspace(instanceId),
      model,
      options,
      signal,
      logger: context.logger,
    });

    const fileLevel = await runFileLevel(environment);
    const levels: AgentlessMetadata['levels'] = { files: fileLevel.record, ...(fileLevel.irrelevantFolders ? { irrelevantFolders: fileLevel.irrelevantFolders } : {}) };
    let pointers: CodePointer[] = [];
    let resultLevel: AgentlessMetadata['resultLevel'] = 'none';
    let failed = fileLevel.record.status === 'failed';

    if (fileLevel.files.length > 0) {
      resultLevel = 'files';
      pointers = await Promise.all(
        fileLevel.files.map(async (path, rank) => ({
          path,
          startLine: 1,
          endLine: (await environment.elementIndex(path)).lineCount,
          kind: 'file' as const,
          score: (fileLevel.files.length - rank) / fileLevel.files.length,
        })),
      );
      if (options.depth !== 'files') {
        const elementLevel = await runElementLevel(environment, fileLevel.files);
        levels.elements = elementLevel.record;
        if (elementLevel.record.status === 'failed') failed = true;
        if (elementLevel.elements.length > 0) {
          resultLevel = 'elements';
          pointers = elementLevel.elements.map((element) => ({
            path: element.path,
            startLine: element.startLine,
            endLine: element.endLine,
            kind: element.kind === 'class' ? 'class' : element.kind === 'function' ? 'function' : 'lines',
            ...(element.symbol ? { symbol: element.symbol } : {}),
          }));
          if (options.depth === 'lines') {
            const editLevel = await runEditLevel(environment, fileLevel.files, elementLevel.elements);
            levels.lines = editLevel.record;
            if (editLevel.record.status === 'failed') failed = true;
            if (editLevel.pointers.length > 0) {
              resultLevel = 'lines';
              pointers = editLevel.pointers;
            }
          }
        }
      }
    }

    const total = [levels.irrelevantFolders, levels.files, levels.elements, levels.lines].reduce<LevelCost>(
      (sum, record) => addExchangeCost(sum, costOf(record)),
      emptyExchangeCost(),
    );
    const metadata: AgentlessMetadata = {
      plugin: { ...packageMeta },
      promptVersion,
      status: resultLevel === 'none' ? 'failed' : failed ? 'partial' : 'complete',
      resultLevel,
      model: options.model ?? model.defaultModel,
      endpoint: model.endpoint,
      levels,
      total,
    };
    const output = await localizationOutput(pointers, {
      output: options.output,
      readFile: (path) => environment.readFile(path),
      countTokens: (text) => environment.countTokens(text),
      tokenBudget: options.tokenBudget,
    });
    if (output.rendered) metadata.rendered = { tokens: output.rendered.tokens, lines: output.rendered.lines, omitted: output.rendered.omitted };
    return { content: output.content, metadata: metadata as unknown as Record<string, unknown> };
  }
}

/** Creates the agentless localizer on a plugin context (the plugin's `create`). */
export function createAgentlessLocalizer(options: AgentlessOptions, context: PluginContext): AgentlessLocalizer {
  return new AgentlessLocalizer(options, context);
}
