import { MessageSchema, formatZodError, type Logger, type PluginCheckpoint } from '@codemonkeys/protocol';
import { z } from 'zod';
import {
  AppliedEditSchema,
  CallTotalsSchema,
  FileEditSchema,
  FinalStateSchema,
  IterationSchema,
  RefusedAnswerSchema,
  SampleResultSchema,
  TestRunSchema,
  type SampleResult,
} from './sample-record';

/** Where an iterative sample stands between two model calls: enough to continue its conversations. */
export const IterativeStateSchema = z.object({
  phase: z.enum(['testing', 'editing']),
  testing: z
    .object({
      messages: z.array(MessageSchema),
      test: z.string().optional(),
      lastRun: TestRunSchema.optional(),
      finalState: FinalStateSchema.optional(),
      failureMessage: z.string().optional(),
    })
    .optional(),
  editing: z
    .object({
      messages: z.array(MessageSchema),
      test: z.string().optional(),
      /** The accepted edit (re-planned against the base commit when a run resumes). */
      edits: z.array(FileEditSchema).optional(),
      applied: z.array(AppliedEditSchema),
      /** The last run on the original code, with the test it ran (reused while the test is unchanged). */
      original: z.object({ test: z.string(), run: TestRunSchema }).optional(),
      edited: TestRunSchema.optional(),
      finalState: FinalStateSchema.optional(),
      failureMessage: z.string().optional(),
    })
    .optional(),
  refusedAnswers: z.array(RefusedAnswerSchema),
  iterations: z.array(IterationSchema),
  totals: CallTotalsSchema,
});
export type IterativeState = z.output<typeof IterativeStateSchema>;

const workStateVersion = 1;

export const SampleWorkStateSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('running'), version: z.literal(workStateVersion), fingerprint: z.string(), state: IterativeStateSchema }),
  z.object({ status: z.literal('finished'), version: z.literal(workStateVersion), fingerprint: z.string(), result: SampleResultSchema }),
]);
export type SampleWorkState = z.output<typeof SampleWorkStateSchema>;

/** Saves and loads one sample's work state as a checkpoint of the instance (key per sample), so a stopped run resumes where it was. */
export interface SampleWorkStore {
  /** The saved state of this sample, when it was saved by this configuration; undefined otherwise. */
  load(): Promise<SampleWorkState | undefined>;
  saveRunning(state: IterativeState): Promise<void>;
  saveFinished(result: SampleResult): Promise<void>;
}

export const workStateKey = (sampleIndex: number): string => `@codemonkeys/generator-llm/sample/${sampleIndex}`;

/**
 * A sample's work-state store. `fingerprint` identifies the configuration and prompts: state saved under
 * another fingerprint (options or prompts changed, same run id) is not continued. Storage failures are
 * logged and never fail the sample: the run goes on, it just cannot resume from that point.
 */
export function createSampleWorkStore(options: {
  /** The plugin's checkpoint on the instance (the host keeps it per run). */
  checkpoint: PluginCheckpoint;
  instanceId: string;
  sampleIndex: number;
  fingerprint: string;
  /** false: ignore what is saved (still save, for the next resume). */
  resume: boolean;
  logger: Logger;
}): SampleWorkStore {
  const { checkpoint, instanceId, sampleIndex, fingerprint, logger } = options;
  const key = workStateKey(sampleIndex);
  const put = async (state: SampleWorkState): Promise<void> => {
    try {
      await checkpoint.put(key, state);
    } catch (error) {
      logger.warn('generator-llm: could not save the work state of a sample; a resumed run will redo it', {
        instanceId,
        sample: sampleIndex,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  };
  return {
    async load() {
      if (!options.resume) return undefined;
      let saved: unknown;
      try {
        saved = await checkpoint.get(key);
      } catch (error) {
        logger.warn('generator-llm: could not read saved work state; the sample starts afresh', {
          instanceId,
          sample: sampleIndex,
          error: error instanceof Error ? error.message : String(error),
        });
        return undefined;
      }
      if (saved === undefined || saved === null) return undefined;
      const parsed = SampleWorkStateSchema.safeParse(saved);
      if (!parsed.success) {
        logger.warn('generator-llm: saved work state is not readable by this version; the sample starts afresh', {
          instanceId,
          sample: sampleIndex,
          issues: formatZodError(parsed.error),
        });
        return undefined;
      }
      if (parsed.data.fingerprint !== fingerprint) {
        logger.warn('generator-llm: saved work state was made with other options or prompts; the sample starts afresh', { instanceId, sample: sampleIndex });
        return undefined;
      }
      return parsed.data;
    },
    saveRunning: (state) => put({ status: 'running', version: workStateVersion, fingerprint, state }),
    saveFinished: (result) => put({ status: 'finished', version: workStateVersion, fingerprint, result }),
  };
}
