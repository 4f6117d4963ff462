import type { LocalizationResult } from '../../localization/v1/localization-result';
import type { Message } from '../../message/v1/message';
import type { Patch } from '../../patch/v1/patch';

/** Produces candidate patches (with reproduction tests when asked) and the messages of the conversations. */
export interface PatchGeneratorV1 {
  readonly specificationVersion: 'v1';
  run(localization: LocalizationResult, instanceId: string): Promise<[Patch[], Message[]]>;
}
