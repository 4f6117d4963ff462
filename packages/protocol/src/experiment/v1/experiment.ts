import type { Patch } from '../../patch/v1/patch';
import type { SequenceStorage } from '../../storage/v1/sequence-storage';

/**
 * An experiment: a model endpoint, sequence storage, a sweep of hyper-parameters, and a way to turn an
 * instance into a patch. The runner calls `hypers()` once (each entry becomes a run) and `run()` per
 * instance within a run's scope.
 */
export interface ExperimentV1 {
  readonly specificationVersion: 'v1';
  readonly modelEndpoint: string;
  readonly sequenceStorage: SequenceStorage;
  hypers(): Promise<Record<string, unknown>[]>;
  run(instanceId: string): Promise<Patch>;
}
