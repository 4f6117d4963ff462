import { contextPresentationOptions, hintOptions, localizerOutputOptions, modelOptions } from '@codemonkeys/plugin-kit';
import { z } from 'zod';
import { knownLanguageNames } from '../chunking/languages';

/**
 * Test code is left out by default: SWE-bench fixes edit library code, and tests crowd the context.
 * (`test/` folders are kept: in Python projects they are often library code, such as `django/test/`.)
 */
export const defaultExcludeGlobs = ['**/tests/**', '**/test_*.py', '**/*_test.py', '**/*_tests.py', '**/conftest.py', '**/node_modules/**', '**/.*/**'] as const;

export const ChunkingOptionsSchema = z
  .strictObject({
    /** Globs (picomatch) of repository paths to index; every file by default. */
    include: z.array(z.string().min(1)).min(1).default(['**']),
    /** Globs of paths to leave out (applied after `include`). Pass `[]` to index tests too. */
    exclude: z.array(z.string().min(1)).default([...defaultExcludeGlobs]),
    /** Languages to index. Python is chunked by its outline; the others by line windows (extension fallback). */
    languages: z.array(z.enum(knownLanguageNames)).min(1).default(['python']),
    /** Files larger than this (bytes) are skipped: generated and vendored files. */
    maxFileBytes: z.number().int().positive().default(512_000),
    /** A function, method or class longer than this (lines) is split into overlapping parts. */
    maxChunkLines: z.number().int().min(4).default(60),
    /** Lines shared by consecutive parts of a split body and by consecutive windows. */
    overlapLines: z.number().int().min(0).default(8),
    /** Lines per window of module-level code and of files without an outline. */
    windowLines: z.number().int().min(4).default(40),
  })
  .refine((options) => options.overlapLines < Math.min(options.maxChunkLines, options.windowLines) / 2, {
    message: 'overlapLines must be less than half of maxChunkLines and of windowLines',
    path: ['overlapLines'],
  });
export type ChunkingOptions = z.output<typeof ChunkingOptionsSchema>;

export const LexicalOptionsSchema = z.strictObject({
  /** BM25 term-frequency saturation. */
  k1: z.number().positive().default(1.2),
  /** BM25 length normalization (0: none, 1: full). */
  b: z.number().min(0).max(1).default(0.75),
  /** How much a term of the path counts against one of the code. */
  pathWeight: z.number().min(0).default(2),
  /** How much a term of the symbol name (qualified name and signature) counts against one of the code. */
  symbolWeight: z.number().min(0).default(2),
  /** Reduce words to their stems (Porter) so that "ordering" finds "order_by". */
  stem: z.boolean().default(true),
});
export type LexicalOptions = z.output<typeof LexicalOptionsSchema>;

export const EndpointEmbedderOptionsSchema = z.strictObject({
  /** The embedding model and the experiment role that serves it. */
  ...modelOptions,
  /** Inputs per embeddings request. */
  batchSize: z.number().int().positive().default(64),
  /** Embeddings requests in flight at once (the model client applies its endpoint limits too). */
  concurrency: z.number().int().positive().default(4),
  /** Chunk and query texts are cut to this many tokens (embedding models have an input limit). */
  maxInputTokens: z.number().int().positive().default(6_000),
});
export type EndpointEmbedderOptions = z.output<typeof EndpointEmbedderOptionsSchema>;

export const HybridOptionsSchema = z.strictObject({
  /** The k of reciprocal-rank fusion: score = Σ weight / (k + rank). */
  rrfK: z.number().positive().default(60),
  denseWeight: z.number().min(0).default(1),
  lexicalWeight: z.number().min(0).default(1),
});
export type HybridOptions = z.output<typeof HybridOptionsSchema>;

export const RankingOptionsSchema = z.strictObject({
  /** Weight of a file's whole-file similarity (local embedder) against its best chunk's, both scaled to the best. */
  fileWeight: z.number().min(0).default(0.5),
  /** Weight of a file being named in the issue (by path, also inside traceback paths, or by dotted module name). */
  mentionWeight: z.number().min(0).default(0.3),
});
export type RankingOptions = z.output<typeof RankingOptionsSchema>;

export const PackingOptionsSchema = z.strictObject({
  /**
   * A span's priority is 1 / ((file rank + 1)^fileDecay × (position in its file + 1)^spanDecay): the
   * budget first covers the likely files with their best spans, then goes deeper into the likeliest.
   */
  fileDecay: z.number().min(0).default(1),
  spanDecay: z.number().min(0).default(1),
  /** The top files whose other chunks (not retrieved) are offered too, best first, after their retrieved ones. */
  depthFiles: z.number().int().min(0).default(50),
  /**
   * Spans are offered by priority / tokens^costExponent: 0 takes them by priority alone (large spans
   * first-come), 1 is the greedy knapsack (most priority per token first).
   */
  costExponent: z.number().min(0).max(2).default(0.5),
  /** A span holding the definition of a function, method or class the issue names as code (backticks, tracebacks, `name(`, dotted or snake_case names) has its priority multiplied by 1 + this. */
  namedSymbolWeight: z.number().min(0).default(1),
  /** A span holding the definition of a name that the best chunk of one of the top `neighbourFiles` files calls or reads (`name(`, `.name`) has its priority multiplied by 1 + this. */
  neighbourWeight: z.number().min(0).default(0),
  neighbourFiles: z.number().int().min(0).default(5),
  /** A retrieved part of a split function or method is offered as the whole definition when that has at most this many lines (0: parts only). */
  wholeDefinitionLines: z.number().int().min(0).default(0),
});
export type PackingOptions = z.output<typeof PackingOptionsSchema>;

export const EmbeddingLocalizerOptionsSchema = z.strictObject({
  /** `local`: sparse lexical vectors (no network, no weights); `endpoint`: an embeddings model; `hybrid`: both, fused by rank. */
  embedder: z.enum(['local', 'endpoint', 'hybrid']).default('local'),
  /** Tokens of the rendered context (counted with the model's tokenizer). 27k compares with the SWE-bench paper's BM25. */
  tokenBudget: z.number().int().positive().default(27_000),
  /** Chunks retrieved before they are merged per file and cut to the budget. */
  topK: z.number().int().positive().default(400),
  /** The hints are added to the query. */
  ...hintOptions,
  /** Pointers carry scores; the rendered text is in metadata only when `includeText`. */
  ...localizerOutputOptions,
  /** Also keep the rendered context in `metadata.text` when the output is pointers. */
  includeText: z.boolean().default(false),
  /** How the packed spans are rendered (`spans`, `full-files`, `skeleton+spans`, `windows`); the pointers are what the rendering shows. */
  ...contextPresentationOptions,
  /**
   * Memory (bytes, estimated) for what one localizer keeps between instances: chunked files (this much)
   * and, for `endpoint`/`hybrid`, vectors (half as much). Several localizers in one process (a sweep)
   * each keep their own share.
   */
  cacheBytes: z
    .number()
    .int()
    .min(1024 * 1024)
    .default(256 * 1024 * 1024),
  chunking: ChunkingOptionsSchema.prefault({}),
  ranking: RankingOptionsSchema.prefault({}),
  packing: PackingOptionsSchema.prefault({}),
  lexical: LexicalOptionsSchema.prefault({}),
  endpoint: EndpointEmbedderOptionsSchema.prefault({}),
  hybrid: HybridOptionsSchema.prefault({}),
});
export type EmbeddingLocalizerOptions = z.output<typeof EmbeddingLocalizerOptionsSchema>;
export type EmbeddingLocalizerOptionsInput = z.input<typeof EmbeddingLocalizerOptionsSchema>;
