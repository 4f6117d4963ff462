import type { Node } from 'web-tree-sitter';
import { definitionHeader, definitionOf } from './python-outline';
import { withPythonTree } from './python-parser';

export interface SkeletonOptions {
  /** Module and class assignments longer than this many lines are cut, with `...` (default 5). */
  maxAssignmentLines?: number;
  /** Keep docstrings of classes and functions (default true). */
  docstrings?: boolean;
}

export interface Skeleton {
  text: string;
  /** For each line of `text`, the 1-based line of the source it shows; 0 for an elision marker. */
  sourceLines: number[];
}

const importTypes = new Set(['import_statement', 'import_from_statement', 'future_import_statement']);

/**
 * An Agentless-style skeleton of a Python file: module docstring, imports, module-level assignments (constants), and
 * every class and def with decorators, signature and docstring, bodies replaced by `...`. Class-level
 * assignments stay (they are a class's fields). Every kept line maps back to its source line, so a
 * localizer can point at the original file.
 */
export function skeletonFromTree(root: Node, source: string, options: SkeletonOptions = {}): Skeleton {
  const maxAssignmentLines = options.maxAssignmentLines ?? 5;
  const keepDocstrings = options.docstrings ?? true;
  const sourceLines = source.split('\n');
  const out: string[] = [];
  const map: number[] = [];
  const emitRange = (startRow: number, endRow: number): void => {
    for (let row = startRow; row <= endRow; row++) {
      out.push(sourceLines[row] ?? '');
      map.push(row + 1);
    }
  };
  const emitElision = (indent: string): void => {
    out.push(`${indent}...`);
    map.push(0);
  };
  const indentOf = (row: number): string => /^\s*/.exec(sourceLines[row] ?? '')![0];
  const lastRow = (node: Node): number => (node.endPosition.column === 0 && node.endPosition.row > node.startPosition.row ? node.endPosition.row - 1 : node.endPosition.row);

  const isAssignment = (node: Node): boolean =>
    node.type === 'expression_statement' && node.namedChildren.some((child) => child?.type === 'assignment' || child?.type === 'augmented_assignment');
  const docstringOf = (body: Node | null): Node | null => {
    const first = body?.namedChildren[0];
    if (first?.type === 'expression_statement' && first.namedChildren[0]?.type === 'string') return first;
    return null;
  };
  const emitAssignment = (node: Node): void => {
    const start = node.startPosition.row;
    const end = lastRow(node);
    if (end - start + 1 <= maxAssignmentLines) emitRange(start, end);
    else {
      emitRange(start, start + maxAssignmentLines - 1);
      emitElision(`${indentOf(start)}    `);
    }
  };

  const emitDefinition = (wrapper: Node, definition: Node): void => {
    const body = definition.childForFieldName('body');
    // Decorators, then the header (which may span several lines).
    const headerLines = definitionHeader(definition, source).split('\n').length;
    emitRange(wrapper.startPosition.row, definition.startPosition.row + headerLines - 1);
    if (!body || body.startPosition.row === definition.startPosition.row) {
      // `def f(): return 1` on one line: the line is already shown whole.
      return;
    }
    const bodyIndent = indentOf(body.startPosition.row);
    const docstring = keepDocstrings ? docstringOf(body) : null;
    if (docstring) emitRange(docstring.startPosition.row, lastRow(docstring));
    if (definition.type === 'class_definition') {
      let shown = false;
      for (const child of body.namedChildren) {
        if (!child || child.id === docstring?.id) continue;
        const inner = definitionOf(child);
        if (inner) {
          emitDefinition(child, inner);
          shown = true;
        } else if (isAssignment(child)) {
          emitAssignment(child);
          shown = true;
        }
      }
      if (!shown && !docstring) emitElision(bodyIndent);
    } else emitElision(bodyIndent);
  };

  const moduleDocstring = keepDocstrings ? docstringOf(root) : null;
  if (moduleDocstring) emitRange(moduleDocstring.startPosition.row, lastRow(moduleDocstring));
  for (const child of root.namedChildren) {
    if (!child || child.id === moduleDocstring?.id) continue;
    const definition = definitionOf(child);
    if (definition) emitDefinition(child, definition);
    else if (importTypes.has(child.type)) emitRange(child.startPosition.row, lastRow(child));
    else if (isAssignment(child)) emitAssignment(child);
  }
  return { text: out.join('\n') + (out.length > 0 ? '\n' : ''), sourceLines: map };
}

/** Skeleton of a Python source text. */
export function skeletonPython(source: string, options: SkeletonOptions = {}): Promise<Skeleton> {
  return withPythonTree(source, (root) => skeletonFromTree(root, source, options));
}
