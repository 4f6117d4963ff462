import type { Message } from '../../message/v1/message';

/**
 * What the offline demo's scripted model knows of one example instance. It is written by the host for its
 * bundled example instances (the locations come from their gold patches: the scripted model is a stand-in
 * for a language model, not a plugin, and the host puts a line saying so above every answer). It holds
 * facts, not answers: each plugin writes them in its own prompts' answer format (a generator asked for
 * unified diffs answers with `samples[i].diff` as it is, one asked for SEARCH/REPLACE blocks converts it).
 */
export interface DemoInstanceScript {
  instanceId: string;
  /** Files, elements (`function: name`, `class: Name`, `variable: NAME`) and line runs (1-based, inclusive) a perfect localizer names. */
  locations: {
    files: string[];
    elements: Record<string, string[]>;
    lines: Record<string, { startLine: number; endLine: number }[]>;
  };
  /** The generator's samples: the unified diff each answers with; `unusableFirst`: first answer prose the plugin cannot use. */
  samples: { diff: string; unusableFirst?: boolean }[];
  /**
   * The seed of the first sample (a generator sends `seed + i` with sample i): a request with seed `s`
   * is answered with `samples[(s - firstSeed) mod samples.length]`, one without a seed with `samples[0]`.
   * Default 0.
   */
  firstSeed?: number;
  /** A reproduction test (exit 2 = not fixed, 0 = fixed) given with every edit, when the prompt asks for one. */
  test?: string;
}

export interface DemoAnswerRequest {
  messages: readonly Message[];
  /** The last user message. */
  lastUserMessage: string;
  /** Every non-assistant message joined. */
  prompt: string;
  /** Request parameters beyond the messages (`seed`, `temperature`, ...). */
  parameters: Readonly<Record<string, unknown>>;
  /** The example instance the prompt names (found by the host from the instance's own text, not from any prompt's). */
  instance: DemoInstanceScript;
}

/**
 * A plugin's scripted answers to its own prompts for the offline demo: an answer when `request` is one of
 * this plugin's prompts, undefined otherwise. Shipped by the plugin (`definePlugin({ demo })`), so that
 * changing a prompt and its demo answer is one change in one package. A plugin recognises its prompts by
 * what it controls (its own system message, its prompts' opening lines), never by another plugin's text:
 * the host asks each loaded plugin in turn and takes the first answer, so two plugins must not claim the
 * same request.
 */
export interface PluginDemo {
  answer(request: DemoAnswerRequest): string | undefined;
}
