import type { Message } from '../../message/v1/message';

/**
 * What the offline demo's scripted model knows of one example instance. It is written by the host for its
 * bundled example instances (the locations come from their gold patches: the scripted model is a stand-in
 * for a language model, not a plugin, and says so in every answer).
 */
export interface DemoInstanceScript {
  instanceId: string;
  /** Files, elements (`function: name`, `class: Name`, `variable: NAME`) and line runs a perfect localizer names. */
  locations: {
    files: string[];
    elements: Record<string, string[]>;
    lines: Record<string, { startLine: number; endLine: number }[]>;
  };
  /** The generator's samples: the unified diff each answers with; `unusableFirst`: first answer prose the plugin cannot use. */
  samples: { diff: string; unusableFirst?: boolean }[];
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
  /** The example instance the prompt names. */
  instance: DemoInstanceScript;
}

/**
 * A plugin's scripted answers to its own prompts for the offline demo: an answer when `request` is one of
 * this plugin's prompts, undefined otherwise. Shipped by the plugin (`definePlugin({ demo })`), so that
 * changing a prompt and its demo answer is one change in one package.
 */
export interface PluginDemo {
  answer(request: DemoAnswerRequest): string | undefined;
}
