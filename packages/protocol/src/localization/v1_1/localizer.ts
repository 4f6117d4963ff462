import type { LocalizationResult } from '../v1/localization-result';

/** Finds the code that matters for an instance (protocol v1.1: the same shape as v1, on the v1.1 context). */
export interface LocalizerV1_1 {
  readonly specificationVersion: 'v1.1';
  run(instanceId: string): Promise<LocalizationResult>;
}
