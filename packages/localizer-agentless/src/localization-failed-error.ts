import { CodemonkeysError } from '@codemonkeys/protocol';

/**
 * The agentless localizer could not produce anything for an instance: its first model call failed at the
 * endpoint (after the client's retries), or the repository tree does not fit the prompt. The stage fails
 * with this error instead of returning an empty localization that a resumed run would take as done.
 */
export class AgentlessLocalizationError extends CodemonkeysError {
  static override readonly errorName: string = 'AgentlessLocalizationError';
  readonly instanceId: string;
  readonly level: string;

  constructor(options: { instanceId: string; level: string; reason: string; hint: string; cause?: unknown }) {
    super(`@codemonkeys/localizer-agentless could not localize ${options.instanceId} (level "${options.level}"): ${options.reason}. ${options.hint}`, { cause: options.cause });
    this.instanceId = options.instanceId;
    this.level = options.level;
  }
}
