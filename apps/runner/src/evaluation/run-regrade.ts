import fs from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../config/usage-error';
import {
  findEnvironmentSpec,
  loadEnvironmentSpecFile,
  logParserByRepo,
  regradeEvaluation,
  createRunReport,
  type InstanceReport,
  type LogParserName,
  type RunReport,
} from '@codemonkeys/swebench';
import type { Instance } from '@codemonkeys/protocol';
import { displayName } from './display-name';
import type { EvalOptions } from './eval-options';
import { pathSegmentOf } from './evaluation-layout';
import { loadInstancesToEvaluate } from './instances-to-evaluate';

/** One saved evaluation graded again. */
export interface RegradedFolder {
  instanceId: string;
  folder: string;
  savedResolved: boolean | null;
  resolved: boolean;
  /** Whether the new grade equals the saved report (null: no saved report to compare with). */
  agrees: boolean | null;
  gradingError?: string;
}

/** The evaluations of one model folder (the parent of the instance folders), graded again. */
export interface RegradedGroup {
  folder: string;
  report: RunReport;
  reportFile: string;
  evaluations: RegradedFolder[];
  disagreements: RegradedFolder[];
}

export interface RegradeOutcome {
  directory: string;
  groups: RegradedGroup[];
  evaluations: number;
  agreements: number;
  disagreements: number;
  /** Folders that could not be graded, with why. */
  unreadable: Array<{ folder: string; reason: string }>;
}

const evaluationFiles = ['report.json', 'test_output.txt'];

/** Folders below `root` (at most `depth` levels) named as an instance of the dataset and holding an evaluation's files. */
async function findEvaluationFolders(root: string, names: ReadonlyMap<string, Instance>, depth: number): Promise<Array<{ folder: string; instance: Instance }>> {
  const found: Array<{ folder: string; instance: Instance }> = [];
  const walk = async (directory: string, level: number): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(directory, { withFileTypes: true });
    } catch {
      return;
    }
    const instance = names.get(path.basename(directory));
    if (instance && entries.some((entry) => entry.isFile() && evaluationFiles.includes(entry.name))) found.push({ folder: directory, instance });
    if (level >= depth) return;
    for (const entry of entries.sort((left, right) => left.name.localeCompare(right.name)))
      if (entry.isDirectory() && !entry.isSymbolicLink()) await walk(path.join(directory, entry.name), level + 1);
  };
  await walk(root, 0);
  return found;
}

/**
 * `codemonkeys eval --regrade DIR`: every saved evaluation below DIR (this tool's layout or SWE-bench's
 * `logs/run_evaluation/<run>/<model>/<instance>/`) graded again from its files, without containers, with
 * the instance's lists from the dataset and the parser of its environment; per model folder a run report
 * (`regrade.json`) and the evaluations whose new grade differs from the saved one.
 */
export async function runRegrade(options: EvalOptions): Promise<RegradeOutcome> {
  const directory = path.resolve(options.regrade!);
  const stat = await fs.stat(directory).catch(() => undefined);
  if (!stat?.isDirectory()) throw new UsageError(`--regrade ${options.regrade}: no such folder.`);
  const { selected } = await loadInstancesToEvaluate(options.dataset, options.instances);
  const specs = options.specFile ? await loadEnvironmentSpecFile(options.specFile) : undefined;
  const names = new Map<string, Instance>();
  for (const instance of selected) {
    names.set(instance.instanceId, instance);
    names.set(pathSegmentOf(instance.instanceId), instance);
  }
  const parserOf = (instance: Instance): LogParserName => {
    try {
      return findEnvironmentSpec(instance, { kind: options.specKind, ...(specs ? { specs } : {}) }).logParser;
    } catch {
      return logParserByRepo[instance.repo] ?? 'pytest';
    }
  };
  const folders = await findEvaluationFolders(directory, names, 5);
  if (folders.length === 0)
    throw new UsageError(`--regrade ${options.regrade}: no evaluation folder (one named as an instance of ${options.dataset}, holding report.json or test_output.txt) was found.`);

  const byGroup = new Map<string, Array<{ folder: string; instance: Instance }>>();
  for (const entry of folders) {
    // Repetitions (<instance>/repetitions/<k>) belong to their instance's group.
    const parent = path.dirname(entry.folder);
    const group = path.basename(parent) === 'repetitions' ? path.dirname(path.dirname(parent)) : parent;
    byGroup.set(group, [...(byGroup.get(group) ?? []), entry]);
  }
  const unreadable: RegradeOutcome['unreadable'] = [];
  const groups: RegradedGroup[] = [];
  for (const [folder, entries] of [...byGroup].sort(([left], [right]) => left.localeCompare(right))) {
    const evaluations: RegradedFolder[] = [];
    const reports = new Map<string, InstanceReport>();
    const predictions = new Map<string, string | null>();
    for (const entry of entries) {
      try {
        const regraded = await regradeEvaluation({ directory: entry.folder, instance: entry.instance, logParser: parserOf(entry.instance) });
        evaluations.push({
          instanceId: entry.instance.instanceId,
          folder: entry.folder,
          savedResolved: regraded.saved?.resolved ?? null,
          resolved: regraded.report.resolved,
          agrees: regraded.agrees ?? null,
          ...(regraded.report.grading_error ? { gradingError: regraded.report.grading_error.kind } : {}),
        });
        if (!path.dirname(entry.folder).endsWith(`${path.sep}repetitions`)) {
          reports.set(entry.instance.instanceId, regraded.report);
          const patch = await fs.readFile(path.join(entry.folder, 'patch.diff'), 'utf8').catch(() => undefined);
          predictions.set(entry.instance.instanceId, regraded.report.patch_is_None ? null : (patch ?? 'unknown patch'));
        }
      } catch (error) {
        unreadable.push({ folder: entry.folder, reason: error instanceof Error ? error.message : String(error) });
      }
    }
    const report = createRunReport({ datasetInstanceIds: [...reports.keys()].sort(), predictions, reports });
    const reportFile = path.join(folder, 'regrade.json');
    await fs.writeFile(reportFile, `${JSON.stringify(report, null, 2)}\n`);
    groups.push({ folder, report, reportFile, evaluations, disagreements: evaluations.filter((evaluation) => evaluation.agrees === false) });
  }
  const all = groups.flatMap((group) => group.evaluations);
  return {
    directory,
    groups,
    evaluations: all.length,
    agreements: all.filter((evaluation) => evaluation.agrees === true).length,
    disagreements: all.filter((evaluation) => evaluation.agrees === false).length,
    unreadable,
  };
}

/** The terminal summary of a regrade. */
export function describeRegrade(outcome: RegradeOutcome): string {
  const lines = [
    `regraded ${outcome.evaluations} evaluation(s) in ${outcome.directory} without containers: ${outcome.agreements} agree with their saved report, ${outcome.disagreements} differ`,
  ];
  for (const group of outcome.groups) {
    lines.push(
      `${path.relative(outcome.directory, group.folder) || '.'}: ${group.report.resolved_instances} of ${group.report.total_instances} resolved — report ${group.reportFile}`,
    );
    for (const entry of group.disagreements)
      lines.push(
        `  differs: ${displayName(entry.instanceId)}: saved ${entry.savedResolved === null ? 'unknown' : entry.savedResolved ? 'resolved' : 'not resolved'}, now ${entry.resolved ? 'resolved' : 'not resolved'}${entry.gradingError ? ` (${entry.gradingError})` : ''}`,
      );
  }
  for (const entry of outcome.unreadable) lines.push(`  could not grade ${entry.folder}: ${entry.reason}`);
  return `${lines.join('\n')}\n`;
}
