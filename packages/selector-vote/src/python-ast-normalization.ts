import { applyDiffInSession } from '@codemonkeys/plugin-kit';
import { type SandboxSession } from '@codemonkeys/protocol';

/**
 * Python run in the sandbox: for each path read from stdin (JSON list), the SHA-256 of `ast.unparse`
 * of the file with every bare string statement (docstrings included) removed; null when the file does
 * not exist; `{"error": ...}` when it does not parse. `ast.unparse` drops comments and formatting.
 */
const astHashScript = String.raw`
import ast, hashlib, json, sys
class StripStrings(ast.NodeTransformer):
    def generic_visit(self, node):
        super().generic_visit(node)
        for field in ("body", "orelse", "finalbody"):
            body = getattr(node, field, None)
            if isinstance(body, list) and body and all(isinstance(item, ast.stmt) for item in body):
                kept = [item for item in body if not (isinstance(item, ast.Expr) and isinstance(item.value, ast.Constant) and isinstance(item.value.value, str))]
                setattr(node, field, kept or [ast.Pass()])
        return node
result = {}
for path in json.load(sys.stdin):
    try:
        with open(path, "rb") as handle:
            source = handle.read()
    except (FileNotFoundError, IsADirectoryError):
        result[path] = None
        continue
    try:
        tree = StripStrings().visit(ast.parse(source))
        result[path] = hashlib.sha256(ast.unparse(tree).encode("utf-8")).hexdigest()
    except Exception as error:
        result[path] = {"error": type(error).__name__ + ": " + str(error)[:200]}
print(json.dumps(result))
`;

export type AstHash = string | null | { error: string };

export type AstNormalization =
  | { status: 'ok'; applies: true; before: Record<string, AstHash>; after: Record<string, AstHash> }
  | { status: 'not-applied'; applies: false; output: string }
  /** python3 (3.9 or later, for ast.unparse) is not in the sandbox: normalize textually instead. */
  | { status: 'unavailable'; applies: boolean; reason: string };

async function hashFiles(session: SandboxSession, paths: readonly string[]): Promise<Record<string, AstHash> | string> {
  const result = await session.exec(['python3', '-c', astHashScript], { stdin: JSON.stringify(paths), timeoutMs: 120_000 });
  if (result.exitCode !== 0) return `python3 exited with ${result.timedOut ? 'a timeout' : result.exitCode}: ${(result.stderr || result.stdout).trim().slice(-500)}`;
  try {
    return JSON.parse(result.stdout.trim().split('\n').pop() ?? '') as Record<string, AstHash>;
  } catch {
    return `python3 printed no JSON: ${result.stdout.slice(-300)}`;
  }
}

/**
 * Normalizes the Python files a candidate touches by an AST round trip in a sandbox session (reset to
 * the base commit): hashes before, applies the diff as evaluation does, hashes after. Also tells
 * whether the diff applies at all.
 */
export async function normalizePythonInSession(session: SandboxSession, diff: string, pythonPaths: readonly string[]): Promise<AstNormalization> {
  const before = pythonPaths.length > 0 ? await hashFiles(session, pythonPaths) : {};
  const application = await applyDiffInSession(session, diff);
  if (typeof before === 'string') return { status: 'unavailable', applies: application.applied, reason: before };
  if (!application.applied) return { status: 'not-applied', applies: false, output: application.output };
  const after = pythonPaths.length > 0 ? await hashFiles(session, pythonPaths) : {};
  if (typeof after === 'string') return { status: 'unavailable', applies: true, reason: after };
  return { status: 'ok', applies: true, before, after };
}
