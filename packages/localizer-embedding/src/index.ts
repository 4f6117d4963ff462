import { embeddingLocalizerPlugin } from './embedding-localizer-plugin';

export default embeddingLocalizerPlugin;
export { embeddingLocalizerPlugin };
export { packageMeta } from './package-meta';

// The localizer
export { EmbeddingLocalizer, createEmbeddingLocalizer } from './embedding-localizer';
export {
  ChunkingOptionsSchema,
  EmbeddingLocalizerOptionsSchema,
  EndpointEmbedderOptionsSchema,
  HybridOptionsSchema,
  LexicalOptionsSchema,
  PackingOptionsSchema,
  RankingOptionsSchema,
  defaultExcludeGlobs,
  type ChunkingOptions,
  type EmbeddingLocalizerOptions,
  type EmbeddingLocalizerOptionsInput,
  type EndpointEmbedderOptions,
  type HybridOptions,
  type LexicalOptions,
  type PackingOptions,
  type RankingOptions,
} from './options/embedding-localizer-options';
export { EmbeddingLocalizerError } from './errors/embedding-localizer-error';

// Chunking
export type { Chunk, ChunkKind } from './chunking/chunk';
export { chunkFile, chunkText, splitLines, windowSpans, type ChunkLayout } from './chunking/chunk-file';
export type { Corpus, CorpusFile, CorpusStatistics } from './chunking/corpus';
export { createCorpusBuilder, type CorpusBuilder, type CorpusBuilderOptions } from './chunking/corpus-builder';
export { createFileSelection, type FileSelection } from './chunking/file-selection';
export { knownLanguageNames, languageExtensions, languageOf, type LanguageName } from './chunking/languages';

// Embedders
export type { CorpusScores, Embedder, EmbedderName, EmbeddingIndex, EmbeddingUsage, RetrievalQuery } from './embedders/embedder';
export { createLocalLexicalEmbedder } from './embedders/local-lexical-embedder';
export { createEndpointEmbedder, type EndpointEmbedderDependencies } from './embedders/endpoint-embedder';
export { createHybridEmbedder } from './embedders/hybrid-embedder';
export { EmbeddingCache, CachedEmbeddingSchema, type CachedEmbedding, type EmbedBatches, type EmbeddingCacheOptions, type EmbeddingCacheStatistics } from './cache/embedding-cache';
export { createCodeTokenizer, splitIdentifier, type CodeTokenizer, type CodeTokenizerOptions } from './lexical/code-tokenizer';
export { Bm25Collection, type Bm25Parameters } from './lexical/bm25-collection';

// Retrieval
export { localizeCorpus, type CorpusLocalization, type LocalizeCorpusOptions } from './retrieval/localize-corpus';
export { rankFiles, type RankedFile, type RankFilesOptions } from './retrieval/rank-files';
export { mentionedFiles, moduleNameOf } from './retrieval/mentioned-files';
export { memoizeTokenCounter } from './retrieval/memoized-token-counter';
