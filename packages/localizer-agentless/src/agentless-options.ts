import { hintOptions, localizerOutputOptions, modelOptions, sourceFileOptions } from '@codemonkeys/plugin-kit';
import { z } from 'zod';

export const agentlessDepths = ['files', 'elements', 'lines'] as const;

/** Options of the agentless localizer (validated by the runner; unknown keys are refused). */
export const AgentlessOptionsSchema = z
  .object({
    ...hintOptions,
    /** Files the model names at level 1 (the N most suspicious). */
    maxFiles: z.number().int().min(1).max(50).default(3),
    /** Ask first for folders that surely need no edit and leave them out of the tree (Agentless' second pass). */
    irrelevantFolders: z.boolean().default(false),
    /** The files shown in the tree. Skeletons and outlines exist for Python only; other files are shown whole. */
    ...sourceFileOptions,
    /** The last level run: `files` (level 1), `elements` (level 2) or `lines` (level 3, edit locations). */
    depth: z.enum(agentlessDepths).default('lines'),
    /** Edit-location samples (level 3), merged: a span's score is the share of samples that named it. */
    samples: z.number().int().min(1).max(64).default(1),
    /** Temperature of the edit-location samples; default 0 for one sample, 0.8 for several. Levels 1 and 2 run at 0. */
    temperature: z.number().min(0).max(2).optional(),
    /** Lines of code shown above and below each element at level 3. */
    contextWindow: z.number().int().min(0).max(200).default(10),
    /** Prompt tokens a level may use; files are dropped from the end of the list until the prompt fits. */
    maxPromptTokens: z.number().int().positive().default(100_000),
    /** Tokens an answer may use. */
    maxAnswerTokens: z.number().int().positive().default(1024),
    ...modelOptions,
    ...localizerOutputOptions,
    /** Tokens the rendered text may take (`output: 'text'` only); unlimited when absent. */
    tokenBudget: z.number().int().positive().optional(),
  })
  .strict();

export type AgentlessOptions = z.output<typeof AgentlessOptionsSchema>;
export type AgentlessOptionsInput = z.input<typeof AgentlessOptionsSchema>;
