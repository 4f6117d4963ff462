import { z } from 'zod';
import { MessageSchema } from '@codemonkeys/protocol';

/**
 * The gold data of an instance, only ever in a metadata field named `gold` (never in `messages`,
 * `prompt`, `chosen` or `rejected`), present with `--dataset` and dropped by `--no-gold`.
 */
export const ExportGoldSchema = z.object({
  patch: z.string(),
  testPatch: z.string(),
  failToPass: z.array(z.string()),
  passToPass: z.array(z.string()),
});
export type ExportGold = z.output<typeof ExportGoldSchema>;

/** Where a line came from, and how the candidate fared. Unknown is null, never 0 or false. */
export const CandidateMetadataSchema = z.object({
  runId: z.string(),
  experimentId: z.string(),
  instanceId: z.string(),
  /** The candidate's stored sample number (its index in the `generate` stage). */
  sample: z.number().int().min(0),
  /** The SWE-bench verdict: true resolved, false not, null unknown. */
  resolved: z.boolean().nullable(),
  /** Where the verdict came from (`sandbox`, `cache`, `labels`, `empty patch ...`); null without one. */
  verdictSource: z.string().nullable(),
  /** Is this the candidate the run's selector chose (null: the run has no selection for the instance). */
  chosen: z.boolean().nullable(),
  /** Every pseudo-reward of the candidate (`generate` stage, by name) and of its instance (`localize/<name>`), null when not computed. */
  rewards: z.record(z.string(), z.number().nullable()),
  diffSha256: z.string(),
  gold: ExportGoldSchema.optional(),
});
export type CandidateMetadata = z.output<typeof CandidateMetadataSchema>;

/** `sft`: one line per candidate with a conversation, in chat format (OpenAI-style roles), the final patch beside it. */
export const SftLineSchema = z.object({
  messages: z.array(MessageSchema).min(1),
  /** The candidate's final patch (unified diff; "" when it changed nothing). */
  patch: z.string(),
  metadata: CandidateMetadataSchema,
});
export type SftLine = z.output<typeof SftLineSchema>;

/**
 * `preference`: two candidates of one instance (same run), DPO-style: `prompt` is the longest common
 * prefix of the two conversations, `chosen` / `rejected` the rest of each (the conversation of the
 * preferred and of the other candidate).
 */
export const PreferenceLineSchema = z.object({
  prompt: z.array(MessageSchema),
  chosen: z.array(MessageSchema),
  rejected: z.array(MessageSchema),
  metadata: z.object({
    runId: z.string(),
    experimentId: z.string(),
    instanceId: z.string(),
    /** `resolved` (resolved vs not), or the reward compared (higher vs lower by at least `margin`). */
    criterion: z.string(),
    margin: z.number(),
    chosen: CandidateMetadataSchema.omit({ gold: true }).extend({ patch: z.string() }),
    rejected: CandidateMetadataSchema.omit({ gold: true }).extend({ patch: z.string() }),
    gold: ExportGoldSchema.optional(),
  }),
});
export type PreferenceLine = z.output<typeof PreferenceLineSchema>;

/** `rewards`: one line per candidate, every pseudo-reward and the verdict (for reward models and validity studies). */
export const RewardsLineSchema = CandidateMetadataSchema.extend({
  patch: z.string(),
  /** Messages of the candidate's conversation (0: none stored). */
  messageCount: z.number().int().min(0),
});
export type RewardsLine = z.output<typeof RewardsLineSchema>;

export const exportFormats = ['sft', 'preference', 'rewards'] as const;
export type ExportFormat = (typeof exportFormats)[number];
