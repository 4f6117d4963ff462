import { createRequire } from 'node:module';
import type { Node, Parser, Tree } from 'web-tree-sitter';

/**
 * One tree-sitter parser with the Python grammar, loaded once per process (WASM build: no native
 * compilation). Loading costs tens of milliseconds; parsing a file after that costs well under one,
 * so every workspace shares this parser.
 */
let parserPromise: Promise<Parser> | undefined;

async function loadParser(): Promise<Parser> {
  const { Parser: ParserClass, Language } = await import('web-tree-sitter');
  await ParserClass.init();
  const require = createRequire(import.meta.url);
  const grammar = require.resolve('tree-sitter-python/tree-sitter-python.wasm');
  const language = await Language.load(grammar);
  const parser = new ParserClass();
  parser.setLanguage(language);
  return parser;
}

export function pythonParser(): Promise<Parser> {
  parserPromise ??= loadParser().catch((error: unknown) => {
    parserPromise = undefined;
    throw error;
  });
  return parserPromise;
}

/**
 * Parses `source` and hands the root node to `use`. Trees live in WASM memory, so each is freed as
 * soon as `use` returns; `use` must not keep nodes.
 */
export async function withPythonTree<T>(source: string, use: (root: Node) => T): Promise<T> {
  const parser = await pythonParser();
  const tree: Tree | null = parser.parse(source);
  if (!tree) throw new Error('tree-sitter returned no tree');
  try {
    return use(tree.rootNode);
  } finally {
    tree.delete();
  }
}

/** Source files the outline understands. */
export const isPythonPath = (path: string): boolean => /\.pyi?$/i.test(path);
