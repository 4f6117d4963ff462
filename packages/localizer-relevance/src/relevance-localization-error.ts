import { CodemonkeysError } from '@codemonkeys/protocol';

/**
 * The relevance localizer could not produce anything for an instance: no candidate file, or every
 * judgment call failed at the endpoint. The stage fails with this error instead of returning an empty
 * context that a resumed run would take as done.
 */
export class RelevanceLocalizationError extends CodemonkeysError {
  static override readonly errorName: string = 'RelevanceLocalizationError';
  readonly instanceId: string;

  constructor(options: { instanceId: string; reason: string; hint: string; cause?: unknown }) {
    super(`@codemonkeys/localizer-relevance could not localize ${options.instanceId}: ${options.reason}. ${options.hint}`, { cause: options.cause });
    this.instanceId = options.instanceId;
  }
}
