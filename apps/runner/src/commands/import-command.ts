import fs from 'node:fs/promises';
import path from 'node:path';
import { Option, type Command } from 'commander';
import type { Instance, SequenceStorage } from '@codemonkeys/protocol';
import { loadDataset } from '@codemonkeys/swebench';
import { checkImportedInstances } from '../import/check-imported-instances';
import type { ImportedRun, ImportFormat } from '../import/imported-run';
import { parseSweAgentTrajectory, readSweAgentTrajectories } from '../import/swe-agent-trajectory';
import { readSwebenchSubmission, submissionFiles } from '../import/swebench-submission';
import { writeImportedRun } from '../import/write-imported-run';
import { UsageError } from '../config/usage-error';
import { openStorage } from '../storage/open-storage';
import { defaultStorageUrl } from '../storage/storage-url';

interface ImportFlags {
  storage: string;
  dataset: string;
  format: 'auto' | ImportFormat;
  system?: string;
  runId?: string;
  json?: boolean;
}

/** The format of a source: a folder with all_preds.jsonl is a submission, a .traj file (or a folder of them) SWE-agent's, else a CodeMonkeys store. */
export async function detectImportFormat(source: string): Promise<ImportFormat> {
  const stat = await fs.stat(source).catch(() => undefined);
  if (!stat) throw new UsageError(`${source} does not exist`);
  if (stat.isFile()) {
    if (/\.traj(\.json)?$/.test(source)) return 'swe-agent-trajectory';
    if (/\.zip$/i.test(source)) return 'codemonkeys-trajectory-store';
    throw new UsageError(`${source}: cannot tell its format from its name; pass --format`);
  }
  if (await fs.stat(path.join(source, submissionFiles.predictions)).catch(() => undefined)) return 'swebench-submission';
  const entries = await fs.readdir(source);
  if (entries.some((name) => /\.traj(\.json)?$/.test(name))) return 'swe-agent-trajectory';
  return 'codemonkeys-trajectory-store';
}

/** Reads a source in its format; nothing is written. */
export async function readImportSource(source: string, format: ImportFormat, options: { system?: string } = {}): Promise<ImportedRun> {
  const system = options.system ? { system: options.system } : {};
  switch (format) {
    case 'swebench-submission':
      return readSwebenchSubmission(source, {
        ...system,
        trajectoryMessages: async (file, display) => (/\.traj(\.json)?$/.test(file) ? parseSweAgentTrajectory(await fs.readFile(file, 'utf8'), display).messages : undefined),
      });
    case 'swe-agent-trajectory':
      return readSweAgentTrajectories(source, system);
    case 'codemonkeys-trajectory-store': {
      const { readCodemonkeysStore } = await import('../import/codemonkeys-store');
      return readCodemonkeysStore(source, system);
    }
  }
}

export function registerImportCommand(program: Command): void {
  program
    .command('import')
    .argument('<source>', 'a SWE-bench submission folder (evaluation/<split>/<system>/), a SWE-agent .traj file or folder, or a CodeMonkeys trajectory store (folder or .zip)')
    .description(
      'Import runs of other harnesses into a storage as runs of their own (candidates, official verdicts as labels, messages, provenance), so report and compare treat them like native runs. Importing twice changes nothing.',
    )
    .requiredOption('--dataset <file>', 'the SWE-bench dataset the source was made on (its gold data scores the candidates)')
    .option('--storage <url>', 'where to import to', defaultStorageUrl)
    .addOption(
      new Option('--format <format>', 'the source format').choices(['auto', 'swebench-submission', 'swe-agent-trajectory', 'codemonkeys-trajectory-store']).default('auto'),
    )
    .option('--system <name>', "the run's label (default: the source's name)")
    .option('--run-id <id>', 'run id (default derived from the format, system and content)')
    .option('--json', 'print the outcome as JSON')
    .action(async (source: string, flags: ImportFlags) => {
      const format = flags.format === 'auto' ? await detectImportFormat(source) : flags.format;
      const instances = await loadDataset(flags.dataset);
      const dataset = new Map<string, Instance>(instances.map((instance) => [instance.instanceId, instance]));
      // Everything is read and checked before the first write: a bad file leaves the storage as it was.
      const run = await readImportSource(source, format, flags.system ? { system: flags.system } : {});
      checkImportedInstances(run, dataset, flags.dataset);
      const storage: SequenceStorage = await openStorage(flags.storage);
      try {
        const outcome = await writeImportedRun(run, { storage, dataset, ...(flags.runId ? { runId: flags.runId } : {}) });
        if (flags.json) process.stdout.write(`${JSON.stringify(outcome, null, 2)}\n`);
        else
          process.stdout.write(
            `imported ${outcome.system} (${outcome.format}) as run ${outcome.runId}: ${outcome.instances} instances, ${outcome.written} written, ${outcome.unchanged} unchanged, ${outcome.candidates} candidates, ${outcome.unknownVerdicts} with an unknown verdict\n`,
          );
      } finally {
        await storage.close();
      }
    });
}
