import fs from 'node:fs/promises';
import path from 'node:path';
import { InstanceReportFileSchema, type InstanceReport } from '../grading/instance-report';
import type { PatchEvaluation } from './evaluate-patch';

/** The files of one evaluated instance, named as in SWE-bench's `logs/run_evaluation/<run>/<model>/<instance>/`. */
export const evaluationArtifactNames = {
  report: 'report.json',
  patch: 'patch.diff',
  evalScript: 'eval.sh',
  testOutput: 'test_output.txt',
  runLog: 'run_instance.log',
} as const;

async function writeAtomically(file: string, content: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temporary, content);
  await fs.rename(temporary, file);
}

/**
 * Writes an evaluation's files into `directory`; `report.json` last and atomically, so that a report
 * on disk always stands for a finished evaluation (what resuming a killed run relies on).
 */
export async function writeEvaluationArtifacts(directory: string, evaluation: PatchEvaluation): Promise<void> {
  await fs.mkdir(directory, { recursive: true });
  await fs.writeFile(path.join(directory, evaluationArtifactNames.patch), evaluation.patch);
  await fs.writeFile(path.join(directory, evaluationArtifactNames.evalScript), evaluation.evalScript);
  await fs.writeFile(path.join(directory, evaluationArtifactNames.testOutput), evaluation.testOutput);
  await fs.writeFile(path.join(directory, evaluationArtifactNames.runLog), evaluation.runLog);
  await writeAtomically(path.join(directory, evaluationArtifactNames.report), `${JSON.stringify(evaluation.reportFile, null, 2)}\n`);
}

/**
 * The report of a finished evaluation in `directory`, or undefined when there is none (not evaluated,
 * or killed before the report was written) or it is not a valid report of `instanceId`.
 */
export async function readEvaluationReport(directory: string, instanceId: string): Promise<InstanceReport | undefined> {
  let text: string;
  try {
    text = await fs.readFile(path.join(directory, evaluationArtifactNames.report), 'utf8');
  } catch {
    return undefined;
  }
  try {
    return InstanceReportFileSchema.parse(JSON.parse(text))[instanceId];
  } catch {
    return undefined;
  }
}
