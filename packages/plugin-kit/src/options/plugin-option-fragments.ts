import { z } from 'zod';
import { contextPresentations } from '../render/context-presentation';

/*
 * Option fragments several plugins declare: spread them into a plugin's options schema
 * (`z.object({ ...hintOptions, ...modelOptions, ... }).strict()`) so that the names, defaults,
 * descriptions and validation are one and the same everywhere. Configs in the wild use these names:
 * never rename them or change a default.
 */

/** Whether the hints are used. */
export const hintOptions = {
  /** Use the hints (comments made before the fix). Off by default, as SWE-bench leaderboards expect. */
  useHints: z.boolean().default(false).describe("Use the issue's hints (comments made before the fix). Off by default, as SWE-bench leaderboards expect."),
};

/** Which model a plugin calls. */
export const modelOptions = {
  /** Model name sent with every request (default: the endpoint's default model). */
  model: z.string().min(1).optional().describe("Model name sent with every request (default: the endpoint's default model)."),
  /** Take the model of this experiment role instead of the stage's model. */
  modelRole: z.string().min(1).optional().describe("Take the model of this experiment role instead of the stage's model."),
};

export const localizerOutputs = ['pointers', 'text'] as const;
export type LocalizerOutput = (typeof localizerOutputs)[number];

/** What a localizer returns. */
export const localizerOutputOptions = {
  /** `pointers` (CodePointers) or `text` (the pointers rendered by plugin-kit's renderContext, line-numbered). */
  output: z.enum(localizerOutputs).default('pointers').describe("`pointers` (CodePointers) or `text` (the pointers rendered by plugin-kit's renderContext, line-numbered)."),
};

/** How a localizer's pointers are shown in its rendered context. */
export const contextPresentationOptions = {
  /** `spans` (the pointers as given), `full-files`, `skeleton+spans` (each file's definition headers plus the spans) or `windows` (context lines around each span). */
  presentation: z
    .enum(contextPresentations)
    .default('spans')
    .describe("`spans` (the pointers as given), `full-files`, `skeleton+spans` (each file's definition headers plus the spans) or `windows` (context lines around each span)."),
};

/** Which repository files a localizer considers (the options of `createSourceFileFilter` but the glob compiler). */
export const sourceFileOptions = {
  /** Globs of the candidate source files. */
  include: z.array(z.string().min(1)).min(1).default(['**/*.py']).describe('Globs of the candidate source files.'),
  /** Globs left out whatever else matches. */
  exclude: z.array(z.string().min(1)).default([]).describe('Globs left out whatever else matches.'),
  /** Leave test files and folders out (`tests/`, `test_*.py`, `conftest.py`, ...). */
  excludeTests: z.boolean().default(true).describe('Leave test files and folders out (`tests/`, `test_*.py`, `conftest.py`, ...).'),
  /** Leave documentation out (`docs/`, `*.md`, `*.rst`, `*.txt`). */
  excludeDocs: z.boolean().default(true).describe('Leave documentation out (`docs/`, `*.md`, `*.rst`, `*.txt`).'),
};
