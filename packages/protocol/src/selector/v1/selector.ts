import type { Patch } from '../../patch/v1/patch';

/** Picks one patch from the candidates of an instance. */
export interface SelectorV1 {
  readonly specificationVersion: 'v1';
  run(patches: Patch[], instanceId: string): Promise<Patch>;
}
