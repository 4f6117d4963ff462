import { InvalidPluginOptionsError, type CodePointer, type LocalizationResult, type Localizer, type PluginContext } from '@codemonkeys/protocol';
import { EmbeddingCache } from './cache/embedding-cache';
import { createCorpusBuilder, type CorpusBuilder } from './chunking/corpus-builder';
import type { Embedder } from './embedders/embedder';
import { createEndpointEmbedder } from './embedders/endpoint-embedder';
import { createHybridEmbedder } from './embedders/hybrid-embedder';
import { createLocalLexicalEmbedder } from './embedders/local-lexical-embedder';
import { EmbeddingLocalizerOptionsSchema, type EmbeddingLocalizerOptions, type EmbeddingLocalizerOptionsInput } from './options/embedding-localizer-options';
import { packageMeta } from './package-meta';
import { localizeCorpus } from './retrieval/localize-corpus';
import { memoizeTokenCounter } from './retrieval/memoized-token-counter';

/** How many ranked files the metadata lists. */
const rankedFilesInMetadata = 50;

function createEmbedder(options: EmbeddingLocalizerOptions, context: PluginContext): Embedder {
  const lexical = (): Embedder => createLocalLexicalEmbedder(options.lexical);
  const dense = (): Embedder =>
    createEndpointEmbedder({
      client: options.endpoint.modelRole ? context.modelFor(options.endpoint.modelRole) : context.model,
      cache: new EmbeddingCache({ storage: context.storage, logger: context.logger, maxMemoryBytes: Math.floor(options.cacheBytes / 2) }),
      options: options.endpoint,
    });
  if (options.embedder === 'local') return lexical();
  if (options.embedder === 'endpoint') return dense();
  return createHybridEmbedder(dense(), lexical(), options.hybrid);
}

/**
 * Retrieval localization: chunks the repository along its outline, embeds the chunks (sparse lexical
 * vectors, an embeddings endpoint, or both), ranks files and spans against the issue text and returns
 * the best of them within a token budget, as scored CodePointers (or the text core renders from them).
 *
 * One instance serves every instance of a run: chunks, term vectors and embeddings of unchanged files
 * are reused from one instance to the next, and embeddings persist in the context's storage.
 */
export class EmbeddingLocalizer implements Localizer {
  readonly specificationVersion = 'v1' as const;
  readonly options: EmbeddingLocalizerOptions;
  private readonly corpusBuilder: CorpusBuilder;
  private readonly embedder: Embedder;
  private readonly countTokens: (text: string) => number;

  constructor(
    options: EmbeddingLocalizerOptions,
    private readonly context: PluginContext,
  ) {
    this.options = options;
    this.corpusBuilder = createCorpusBuilder({ chunking: options.chunking, maxCachedBytes: options.cacheBytes, logger: context.logger });
    this.embedder = createEmbedder(options, context);
    this.countTokens = memoizeTokenCounter((text) => context.model.countTokens(text));
  }

  async run(instanceId: string): Promise<LocalizationResult> {
    const { context, options } = this;
    const signal = context.signal;
    signal.throwIfAborted();
    const started = performance.now();
    const task = await context.task(instanceId);
    const workspace = await context.workspace(instanceId);
    const corpus = await this.corpusBuilder.build(workspace, signal);
    const chunked = performance.now();
    const index = await this.embedder.index(corpus, signal);
    const indexed = performance.now();
    const queryText = options.useHints && task.hintsText.trim() !== '' ? `${task.problemStatement}\n\n${task.hintsText}` : task.problemStatement;
    const scores = await index.score({ text: queryText }, signal);
    const scored = performance.now();
    const localization = await localizeCorpus(corpus, scores, {
      topK: options.topK,
      tokenBudget: options.tokenBudget,
      countTokens: this.countTokens,
      ranking: options.ranking,
      packing: options.packing,
      queryText,
      presentation: options.presentation,
    });
    const finished = performance.now();
    if (corpus.chunks.length === 0) {
      context.logger.warn(
        `embedding localizer: ${instanceId} has no file to index (languages ${options.chunking.languages.join(', ')}, include ${options.chunking.include.join(', ')}); the context is empty.`,
      );
    }
    const pointers: CodePointer[] = localization.pointers;
    const metadata: Record<string, unknown> = {
      embedder: this.embedder.name,
      tokenBudget: options.tokenBudget,
      presentation: options.presentation,
      contextTokens: localization.tokens,
      contextLines: localization.lines,
      filesShown: localization.filesShown,
      spansShown: pointers.length,
      ...corpus.statistics,
      // What compression is measured against (the rewards count their lines and tokens): the files indexed, not the whole repository.
      scanned: { files: corpus.files.map((file) => file.path) },
      embeddingCalls: index.usage.calls,
      embeddingInputs: index.usage.inputs,
      embeddingTokens: index.usage.tokens,
      embeddedChunks: index.usage.embeddedChunks,
      cachedChunks: index.usage.cachedChunks,
      rankedFiles: localization.rankedFiles.slice(0, rankedFilesInMetadata).map((file) => ({ path: file.path, score: file.score })),
      durationsMs: {
        chunking: Math.round(chunked - started),
        indexing: Math.round(indexed - chunked),
        scoring: Math.round(scored - indexed),
        rendering: Math.round(finished - scored),
      },
      ...(options.includeText && options.output === 'pointers' ? { text: localization.text } : {}),
    };
    return { content: options.output === 'text' ? localization.text : pointers, metadata };
  }
}

/** An embedding localizer from raw options (validated: InvalidPluginOptionsError lists the zod issues). */
export function createEmbeddingLocalizer(options: EmbeddingLocalizerOptionsInput | undefined, context: PluginContext): EmbeddingLocalizer {
  const parsed = EmbeddingLocalizerOptionsSchema.safeParse(options ?? {});
  if (!parsed.success) throw new InvalidPluginOptionsError({ pluginName: packageMeta.name, error: parsed.error });
  return new EmbeddingLocalizer(parsed.data, context);
}
