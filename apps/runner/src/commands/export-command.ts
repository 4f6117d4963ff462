import fs from 'node:fs';
import { once } from 'node:events';
import { Argument, type Command } from 'commander';
import { readAllPages, type Instance, type RunQuery, type SequenceStorage } from '@codemonkeys/protocol';
import { loadDataset } from '@codemonkeys/swebench';
import { UsageError } from '../config/usage-error';
import { exitCodes } from '../exit-codes';
import { exportFormats, type ExportFormat } from '../export/export-schemas';
import { writeExport } from '../export/write-export';
import { parseWhere } from '../export/where-filter';
import { openStorage } from '../storage/open-storage';
import { defaultStorageUrl } from '../storage/storage-url';

interface ExportFlags {
  storage: string;
  run: string[];
  experiment: string[];
  where: string[];
  output?: string;
  dataset?: string;
  gold: boolean;
  preferBy: string;
  minMargin: string;
  maxPairs: string;
  json?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .addArgument(new Argument('<format>', 'sft (chat JSONL), preference (DPO pairs) or rewards (one row per candidate)').choices([...exportFormats]))
    .description(
      'Training data from stored runs, streamed as JSONL in bounded memory: sft conversations, preference pairs, or every pseudo-reward per candidate; filtered with --where.',
    )
    .option('--storage <url>', 'where the runs are', defaultStorageUrl)
    .option('--run <id>', 'a run to export (repeatable)', collect, [])
    .option('--experiment <id>', 'every run of an experiment (repeatable)', collect, [])
    .option(
      '--where <condition>',
      'keep candidates where KEY OP VALUE holds, e.g. resolved=true, similarity>=0.8, localize/gold-line-recall>0 (repeatable; all must hold)',
      collect,
      [],
    )
    .option('--output <file>', 'write to this file instead of stdout')
    .option('--dataset <file>', 'the SWE-bench dataset: adds the gold data to each line, in metadata.gold only')
    .option('--no-gold', 'leave the gold data out (metadata.gold is never written)')
    .option('--prefer-by <reward>', 'preference: what makes a candidate preferred (resolved, or a reward name: higher wins)', 'resolved')
    .option('--min-margin <x>', 'preference by a reward: least difference of a pair', '0.1')
    .option('--max-pairs <n>', 'preference: pairs per instance at most', '4')
    .option('--json', 'print the outcome as JSON on stderr')
    .action(async (format: ExportFormat, flags: ExportFlags) => {
      if (flags.run.length === 0 && flags.experiment.length === 0) throw new UsageError('name the runs to export: --run ID or --experiment ID (`codemonkeys runs` lists them)');
      const where = flags.where.map(parseWhere);
      const minMargin = Number(flags.minMargin);
      const maxPairs = Number(flags.maxPairs);
      if (!Number.isFinite(minMargin) || minMargin < 0) throw new UsageError(`--min-margin must be a number of at least 0, got "${flags.minMargin}"`);
      if (!Number.isInteger(maxPairs) || maxPairs < 1) throw new UsageError(`--max-pairs must be a positive integer, got "${flags.maxPairs}"`);
      let gold: Map<string, Instance> | undefined;
      if (flags.dataset && flags.gold) gold = new Map((await loadDataset(flags.dataset)).map((instance) => [instance.instanceId, instance]));
      const storage: SequenceStorage = await openStorage(flags.storage, { mustExist: true });
      try {
        const runIds = [...flags.run];
        for (const experimentId of flags.experiment) {
          const before = runIds.length;
          for await (const run of readAllPages((query: RunQuery) => storage.queryRuns(query), { experimentId, order: 'asc' })) if (!runIds.includes(run.id)) runIds.push(run.id);
          if (runIds.length === before) throw new UsageError(`experiment ${experimentId} has no runs in ${flags.storage}`);
        }
        const output = flags.output ? fs.createWriteStream(flags.output) : process.stdout;
        output.on('error', (error: NodeJS.ErrnoException) => {
          if (error.code === 'EPIPE') process.exit(exitCodes.ok);
          throw error;
        });
        const outcome = await writeExport({
          storage,
          runIds,
          format,
          where,
          ...(gold ? { gold } : {}),
          preference: { criterion: flags.preferBy, minMargin, maxPairsPerInstance: maxPairs },
          output,
        });
        if (flags.output) {
          (output as fs.WriteStream).end();
          await once(output, 'finish');
        }
        process.stderr.write(
          flags.json
            ? `${JSON.stringify(outcome)}\n`
            : `exported ${outcome.lines} ${format} lines from ${outcome.candidates} candidates of ${outcome.instances} instances (${outcome.runs} runs); ${outcome.filteredOut} left out by --where, ${outcome.withoutConversation} without a conversation\n`,
        );
      } finally {
        await storage.close();
      }
    });
}
