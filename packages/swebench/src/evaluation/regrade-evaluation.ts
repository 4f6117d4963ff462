import fs from 'node:fs/promises';
import path from 'node:path';
import type { Instance } from '@codemonkeys/protocol';
import { gradeEvaluation, InstanceReportFileSchema, type GradedEvaluation, type InstanceReport } from '../grading/instance-report';
import type { LogParserName } from '../grading/log-parsers';
import { evaluationArtifactNames } from './evaluation-artifacts';

export interface RegradeEvaluationOptions {
  /** An evaluated instance's folder: `test_output.txt` and, when the evaluation finished, `report.json` (codemonkeys' or SWE-bench's layout). */
  directory: string;
  /** The instance with its gold test lists. */
  instance: Pick<Instance, 'instanceId' | 'failToPass' | 'passToPass'>;
  /** The parser of the instance's environment (the spec's `logParser`). */
  logParser: LogParserName;
}

export interface RegradedEvaluation extends GradedEvaluation {
  /** The report that was on disk, when there was one. */
  saved?: InstanceReport;
  /** Whether the new grade equals the saved one in `resolved` and every test list (undefined without a saved report). */
  agrees?: boolean;
}

/** The first start-marker line of a codemonkeys log carries its nonce (the grader writes it before any test runs). */
const nonceOfLog = (log: string): string | undefined => /^>>>>> Start Test Output ([0-9a-f]{32})$/m.exec(log)?.[1];

/**
 * Grades an evaluation again from its saved files, without a container (SWE-bench's `swebench report`
 * idea): the test output is parsed and graded with the instance's lists as when it ran. Logs of
 * codemonkeys' grader are read with the nonce, exit status and runner facts its report recorded (the
 * nonce is taken from the log's first start line when the report is missing); SWE-bench's own logs
 * with its plain markers. Evaluations that ran no test (no patch, not applied, an infrastructure
 * failure) keep their saved outcome: there is nothing to grade again.
 */
export async function regradeEvaluation(options: RegradeEvaluationOptions): Promise<RegradedEvaluation> {
  const { instance } = options;
  const read = (name: string): Promise<string | undefined> => fs.readFile(path.join(options.directory, name), 'utf8').catch(() => undefined);
  const [reportText, log, patch] = await Promise.all([read(evaluationArtifactNames.report), read(evaluationArtifactNames.testOutput), read(evaluationArtifactNames.patch)]);
  let saved: InstanceReport | undefined;
  if (reportText !== undefined) {
    try {
      saved = InstanceReportFileSchema.parse(JSON.parse(reportText))[instance.instanceId];
    } catch (error) {
      throw new Error(
        `${path.join(options.directory, evaluationArtifactNames.report)} is not a report of ${instance.instanceId}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  }
  const base = { instanceId: instance.instanceId, failToPass: instance.failToPass, passToPass: instance.passToPass, logParser: options.logParser };
  const candidate = saved?.patch_is_None ? null : (patch ?? 'unknown patch');
  let graded: GradedEvaluation;
  if (saved && (saved.patch_is_None || !saved.patch_successfully_applied || saved.infrastructure_failure)) {
    graded = gradeEvaluation({
      ...base,
      patch: candidate,
      evaluation: saved.infrastructure_failure
        ? { kind: 'infrastructure-failure', failure: saved.infrastructure_failure, applied: saved.patch_successfully_applied }
        : { kind: 'not-applied' },
    });
  } else {
    if (log === undefined) throw new Error(`${path.join(options.directory, evaluationArtifactNames.testOutput)} is missing: there is no log to grade.`);
    const nonce = saved?.test_run?.markers_nonce ?? nonceOfLog(log);
    graded = gradeEvaluation({
      ...base,
      patch: candidate,
      evaluation: {
        kind: 'log',
        log,
        ...(nonce === undefined ? {} : { nonce }),
        ...(saved?.test_run?.runner_files_reset ? { runnerFilesReset: saved.test_run.runner_files_reset } : {}),
        ...(saved?.test_run?.session_finished === undefined ? {} : { sessionFinished: saved.test_run.session_finished }),
      },
    });
  }
  if (!saved) return graded;
  const agrees = graded.report.resolved === saved.resolved && JSON.stringify(graded.report.tests_status ?? null) === JSON.stringify(saved.tests_status ?? null);
  return { ...graded, saved, agrees };
}
