import { generatedTestKey, type GeneratedTestOutcome } from '@codemonkeys/plugin-kit';
import { normalizeRepositoryPath, type GeneratedTest, type InstanceSandbox, type SandboxSession } from '@codemonkeys/protocol';
import { parseUnifiedDiff, runOnPatchedRepository, type FileDiff, type PatchedRepositoryRun } from '@codemonkeys/swebench';
import { coverageConfig, coverageDirectory, coverageReportScript, coverageSitecustomize, generatedTestScript } from './generated-test-scripts';

/** One run of a generated test, by the GeneratedTest contract (exit 0 fixed, 2 not fixed). */
export interface GeneratedTestRun {
  outcome: GeneratedTestOutcome;
  exitCode: number | null;
  durationMs: number;
  /** The end of the output (or of the patch application's output). */
  output: string;
}

/** Coverage of the gold patch's lines by one generated test. */
export interface GoldLineCoverage {
  /** Statement lines the gold patch adds (coverage.py's statements among the added lines, in the patched files). */
  statements: number;
  /** Of those, the lines the test executed. */
  covered: number;
  /** covered / statements; null when unknown (see `reason`) or when the gold patch adds no statement. */
  value: number | null;
  /** Per patched file: the gold statement lines and those executed. */
  files: Record<string, { statements: number[]; executed: number[] }>;
  /** Why the value is null, when it is. */
  reason?: string;
  coverageVersion?: string;
}

export interface GeneratedTestEvaluation {
  /** `generatedTestKey(test)`: identical tests are evaluated once. */
  key: string;
  path: string;
  command: string;
  /** The test on the base commit. */
  base: GeneratedTestRun;
  /** The test with the gold patch applied (measured by coverage.py). */
  gold: GeneratedTestRun;
  /** Fails on the base commit (exit 2, `not-fixed`) and passes with the gold patch (exit 0, `fixed`). */
  valid: boolean;
  coverage: GoldLineCoverage;
}

export interface EvaluateGeneratedTestOptions {
  /** The gold patch (gold data). */
  goldPatch: string;
  test: Pick<GeneratedTest, 'path' | 'content' | 'command'>;
  instanceSandbox: InstanceSandbox;
  /** Limit of one test run (default 2 minutes, as core's test matrix). */
  timeoutMs?: number;
  /** Characters of output kept (default 2,000). */
  maxOutputChars?: number;
}

const tail = (text: string, limit: number): string => (text.length <= limit ? text : `…${text.slice(-limit)}`);
const decoder = new TextDecoder();

/** Added lines of the gold patch in the patched files: path → new-file line numbers. */
export function goldAddedLines(goldPatch: string | readonly FileDiff[]): Map<string, number[]> {
  const files = typeof goldPatch === 'string' ? parseUnifiedDiff(goldPatch) : goldPatch;
  const added = new Map<string, number[]>();
  for (const file of files) {
    if (file.newPath === null) continue;
    const lines: number[] = [];
    for (const hunk of file.hunks) for (const line of hunk.lines) if (line.kind === 'added' && line.newLine !== undefined) lines.push(line.newLine);
    if (lines.length > 0) added.set(file.newPath, lines);
  }
  return added;
}

function runOf(run: PatchedRepositoryRun, started: number, limit: number): GeneratedTestRun {
  if (!run.applied) return { outcome: 'not-applied', exitCode: null, durationMs: Date.now() - started, output: tail(run.applyOutput, limit) };
  const { result } = run;
  const output = tail([result.stdout, result.stderr].filter((part) => part.length > 0).join('\n'), limit);
  // 124 is `timeout`'s exit code when the test ran past its limit.
  const outcome: GeneratedTestOutcome = result.timedOut || result.exitCode === 124 ? 'timeout' : result.exitCode === 0 ? 'fixed' : result.exitCode === 2 ? 'not-fixed' : 'error';
  return { outcome, exitCode: result.exitCode, durationMs: result.durationMs, output };
}

interface CoverageReport {
  version?: string;
  measured?: boolean;
  files?: Record<string, { statements?: number[]; executed?: number[]; error?: string }>;
}

function coverageOf(run: PatchedRepositoryRun, added: Map<string, number[]>): GoldLineCoverage {
  const empty = { statements: 0, covered: 0, value: null, files: {} };
  if (added.size === 0) return { ...empty, reason: 'the gold patch adds no line (it only removes lines or files)' };
  if (!run.applied) return { ...empty, reason: 'the gold patch did not apply' };
  const reportBytes = run.files[`${coverageDirectory}/coverage.json`];
  const errorText = run.files[`${coverageDirectory}/coverage.err`];
  let report: CoverageReport;
  try {
    report = JSON.parse(reportBytes ? decoder.decode(reportBytes) : '') as CoverageReport;
  } catch {
    const detail = errorText ? decoder.decode(errorText).trim().split('\n').slice(-3).join(' ') : 'no report';
    return { ...empty, reason: `coverage.py gave no report (is python3-coverage installed in the environment image?): ${detail}` };
  }
  const files: GoldLineCoverage['files'] = {};
  let statements = 0;
  let covered = 0;
  const errors: string[] = [];
  for (const [path, lines] of added) {
    const measured = report.files?.[path];
    if (!measured || measured.error !== undefined || !measured.statements) {
      errors.push(`${path}: ${measured?.error ?? 'not analysed'}`);
      continue;
    }
    const statementSet = new Set(measured.statements);
    const executedSet = new Set(measured.executed ?? []);
    const goldStatements = lines.filter((line) => statementSet.has(line));
    const goldExecuted = goldStatements.filter((line) => executedSet.has(line));
    files[path] = { statements: goldStatements, executed: goldExecuted };
    statements += goldStatements.length;
    covered += goldExecuted.length;
  }
  const base = { statements, covered, files, ...(report.version ? { coverageVersion: report.version } : {}) };
  if (errors.length > 0) return { ...base, value: null, reason: `coverage.py could not analyse ${errors.join('; ')}` };
  if (statements === 0) return { ...base, value: null, reason: 'the lines the gold patch adds hold no statement (comments, blank lines, continuation lines)' };
  return { ...base, value: covered / statements };
}

/**
 * Evaluates one generated test in the instance's sandbox: on the base commit, then with the gold patch
 * applied under coverage.py (every Python process of the test measured through `sitecustomize`, only the
 * gold patch's files). Each run borrows a session reset to the base commit; nothing of the gold patch
 * stays in the sandbox.
 */
export async function evaluateGeneratedTest(options: EvaluateGeneratedTestOptions): Promise<GeneratedTestEvaluation> {
  const limit = options.maxOutputChars ?? 2_000;
  const timeoutMs = options.timeoutMs ?? 120_000;
  const timeoutSeconds = Math.max(1, Math.ceil(timeoutMs / 1000));
  const key = generatedTestKey(options.test);
  const identity = { key, path: options.test.path, command: options.test.command };
  let path: string;
  try {
    path = normalizeRepositoryPath(options.test.path);
  } catch (error) {
    const refused: GeneratedTestRun = { outcome: 'error', exitCode: null, durationMs: 0, output: `The test was not run: ${(error as Error).message}` };
    return { ...identity, base: refused, gold: refused, valid: false, coverage: { statements: 0, covered: 0, value: null, files: {}, reason: 'the test was not run' } };
  }
  const added = goldAddedLines(options.goldPatch);
  const goldPatch = options.goldPatch;
  // The sandbox's own time limit is a safety net behind `timeout` in the script.
  const outerTimeoutMs = timeoutMs + 60_000;

  let started = Date.now();
  const baseRun = await runOnPatchedRepository({
    instanceSandbox: options.instanceSandbox,
    patch: '',
    files: [{ path, content: options.test.content }],
    command: generatedTestScript({ command: options.test.command, timeoutSeconds }),
    timeoutMs: outerTimeoutMs,
  });
  const base = runOf(baseRun, started, limit);

  started = Date.now();
  const goldRun = await options.instanceSandbox.use(async (session: SandboxSession) => {
    const absolute: Record<string, string> = {};
    for (const file of added.keys()) absolute[file] = `${session.workdir.replace(/\/$/, '')}/${file}`;
    return runOnPatchedRepository({
      session,
      patch: goldPatch,
      files: [
        { path, content: options.test.content },
        { path: `${coverageDirectory}/sitecustomize.py`, content: coverageSitecustomize },
        { path: `${coverageDirectory}/coveragerc`, content: coverageConfig(Object.values(absolute)) },
        { path: `${coverageDirectory}/report.py`, content: coverageReportScript },
      ],
      command: generatedTestScript({ command: options.test.command, timeoutSeconds, coverage: { paths: absolute } }),
      timeoutMs: outerTimeoutMs,
      readFiles: [`${coverageDirectory}/coverage.json`, `${coverageDirectory}/coverage.err`],
      ...(specOf(options.instanceSandbox) ? { spec: specOf(options.instanceSandbox)! } : {}),
    });
  });
  const gold = runOf(goldRun, started, limit);

  return { ...identity, base, gold, valid: base.outcome === 'not-fixed' && gold.outcome === 'fixed', coverage: coverageOf(goldRun, added) };
}

type SpecOf = Parameters<typeof runOnPatchedRepository>[0]['spec'];
function specOf(sandbox: InstanceSandbox): SpecOf | undefined {
  return 'spec' in sandbox ? (sandbox as { spec: SpecOf }).spec : undefined;
}
