import type { LocalizationResult } from './localization-result';

/** Finds the code that matters for an instance. */
export interface LocalizerV1 {
  readonly specificationVersion: 'v1';
  run(instanceId: string): Promise<LocalizationResult>;
}
