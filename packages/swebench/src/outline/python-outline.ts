import type { Node } from 'web-tree-sitter';
import type { OutlineEntry } from '@codemonkeys/protocol';
import { withPythonTree } from './python-parser';

/** The definition node of a `decorated_definition`, or the node itself. */
export function definitionOf(node: Node): Node | null {
  if (node.type === 'decorated_definition') return node.childForFieldName('definition');
  return node.type === 'class_definition' || node.type === 'function_definition' ? node : null;
}

/** The header of a class or def as written: from `def`/`async def`/`class` to the colon before the body. */
export function definitionHeader(definition: Node, source: string): string {
  const body = definition.childForFieldName('body');
  const end = body ? body.startIndex : definition.endIndex;
  const header = source.slice(definition.startIndex, end).trimEnd();
  return header.endsWith(':') ? header : header.replace(/:?\s*$/, ':');
}

/**
 * Classes, functions and methods of a Python source with 1-based inclusive line spans (decorators
 * included) and signatures. Methods are functions whose parent is a class; nested functions keep
 * their enclosing names (`Outer.method.helper`). Syntax errors do not stop it: tree-sitter recovers
 * and the definitions it still recognises are listed.
 */
export function outlineFromTree(root: Node, source: string): OutlineEntry[] {
  const entries: OutlineEntry[] = [];
  const visit = (node: Node, scope: string[], insideClass: boolean): void => {
    for (const child of node.namedChildren) {
      if (!child) continue;
      const definition = definitionOf(child);
      if (!definition) {
        // Definitions inside if/try/with blocks at the same level still belong to this scope.
        if (['if_statement', 'try_statement', 'with_statement', 'else_clause', 'elif_clause', 'except_clause', 'finally_clause', 'block'].includes(child.type)) {
          visit(child, scope, insideClass);
        }
        continue;
      }
      const name = definition.childForFieldName('name')?.text ?? '<anonymous>';
      const isClass = definition.type === 'class_definition';
      const qualified = [...scope, name];
      entries.push({
        kind: isClass ? 'class' : insideClass ? 'method' : 'function',
        name,
        qualifiedName: qualified.join('.'),
        startLine: child.startPosition.row + 1,
        endLine: Math.max(child.startPosition.row + 1, child.endPosition.row + (child.endPosition.column === 0 ? 0 : 1)),
        signature: definitionHeader(definition, source),
      });
      const body = definition.childForFieldName('body');
      if (body) visit(body, qualified, isClass);
    }
  };
  visit(root, [], false);
  return entries;
}

/** Outline of a Python source text. */
export function outlinePython(source: string): Promise<OutlineEntry[]> {
  return withPythonTree(source, (root) => outlineFromTree(root, source));
}
