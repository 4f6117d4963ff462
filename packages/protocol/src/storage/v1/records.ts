import { z } from 'zod';
import { MessageSchema } from '../../message/v1/message';
import { UsageSchema } from '../../model/v1/usage';

const isoTime = z.string().min(1);
const jsonObject = z.record(z.string(), z.unknown());

/** A plugin as resolved for a run: enough to reproduce it exactly. */
export const ResolvedPluginSchema = z.object({
  stage: z.string().min(1),
  name: z.string().min(1),
  version: z.string().min(1),
  specificationVersion: z.string().min(1),
  options: jsonObject.default({}),
});
export type ResolvedPlugin = z.output<typeof ResolvedPluginSchema>;

export const ExperimentRecordSchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  config: jsonObject,
  configHash: z.string().min(1),
  plugins: z.array(ResolvedPluginSchema).default([]),
  createdAt: isoTime,
});
export type ExperimentRecord = z.output<typeof ExperimentRecordSchema>;

export const RunStatusSchema = z.enum(['pending', 'running', 'completed', 'failed', 'interrupted']);
export type RunStatus = z.output<typeof RunStatusSchema>;

export const RunRecordSchema = z.object({
  id: z.string().min(1),
  experimentId: z.string().min(1),
  hypers: jsonObject.default({}),
  status: RunStatusSchema,
  createdAt: isoTime,
  updatedAt: isoTime,
  startedAt: isoTime.optional(),
  finishedAt: isoTime.optional(),
  metadata: jsonObject.default({}),
});
export type RunRecord = z.output<typeof RunRecordSchema>;

export const ErrorInfoSchema = z.object({ name: z.string(), message: z.string() });
export type ErrorInfo = z.output<typeof ErrorInfoSchema>;

/** Identifies one stage result: stage results, rewards and message logs are written idempotently by it. */
export const StageKeySchema = z.object({
  runId: z.string().min(1),
  instanceId: z.string().min(1),
  stage: z.string().min(1),
  sample: z.number().int().min(0).default(0),
});
export type StageKey = z.input<typeof StageKeySchema>;

export const StageStatusSchema = z.enum(['ok', 'failed', 'skipped']);
export type StageStatus = z.output<typeof StageStatusSchema>;

export const StageResultRecordSchema = StageKeySchema.extend({
  status: StageStatusSchema,
  /** The stage's output (a LocalizationResult, Patch[], the chosen Patch, ...), JSON. */
  output: z.unknown(),
  error: ErrorInfoSchema.optional(),
  startedAt: isoTime,
  finishedAt: isoTime,
  durationMs: z.number().min(0),
  metadata: jsonObject.default({}),
});
export type StageResultRecord = z.output<typeof StageResultRecordSchema>;

export const RewardRecordSchema = StageKeySchema.extend({
  name: z.string().min(1),
  /** null when the reward could not be computed (the reason goes to details). */
  value: z.number().nullable(),
  details: jsonObject.default({}),
  createdAt: isoTime,
});
export type RewardRecord = z.output<typeof RewardRecordSchema>;

/** A transcript of one stage sample (the seed's `writer(instanceId).logMessages(messages)`). */
export const MessageLogRecordSchema = StageKeySchema.extend({
  messages: z.array(MessageSchema),
  createdAt: isoTime,
});
export type MessageLogRecord = z.output<typeof MessageLogRecordSchema>;

export const ModelCallRecordSchema = z.object({
  /** Deterministic (labels + cache key) so that a resumed run overwrites instead of duplicating. */
  id: z.string().min(1),
  experimentId: z.string().optional(),
  runId: z.string().optional(),
  instanceId: z.string().optional(),
  stage: z.string().optional(),
  sample: z.number().int().min(0).optional(),
  kind: z.enum(['chat', 'embedding']),
  endpoint: z.string(),
  model: z.string(),
  /** The normalized request: messages and parameters (secrets redacted). */
  request: z.unknown(),
  response: z.unknown().optional(),
  usage: UsageSchema,
  costUsd: z.number().min(0),
  latencyMs: z.number().min(0),
  cacheKey: z.string().optional(),
  cacheHit: z.boolean(),
  retries: z.number().int().min(0),
  status: z.enum(['ok', 'error']),
  error: ErrorInfoSchema.optional(),
  createdAt: isoTime,
});
export type ModelCallRecord = z.output<typeof ModelCallRecordSchema>;

/** Free-form progress of one piece of work (a conversation, an instance), to resume where it stopped. */
export const WorkStateRecordSchema = z.object({
  runId: z.string().min(1),
  instanceId: z.string().min(1),
  key: z.string().min(1),
  state: z.unknown(),
  updatedAt: isoTime,
});
export type WorkStateRecord = z.output<typeof WorkStateRecordSchema>;

export const CacheEntrySchema = z.object({
  key: z.string().min(1),
  value: z.unknown(),
  createdAt: isoTime,
});
export type CacheEntry = z.output<typeof CacheEntrySchema>;

/** One line of `codemonkeys runs export`. */
export const ExportRecordSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('experiment'), record: ExperimentRecordSchema }),
  z.object({ type: z.literal('run'), record: RunRecordSchema }),
  z.object({ type: z.literal('stageResult'), record: StageResultRecordSchema }),
  z.object({ type: z.literal('reward'), record: RewardRecordSchema }),
  z.object({ type: z.literal('messageLog'), record: MessageLogRecordSchema }),
  z.object({ type: z.literal('modelCall'), record: ModelCallRecordSchema }),
  z.object({ type: z.literal('workState'), record: WorkStateRecordSchema }),
]);
export type ExportRecord = z.output<typeof ExportRecordSchema>;
