import path from 'node:path';
import { DatasetError, type Instance } from '@codemonkeys/protocol';
import type { ImportedRun } from './imported-run';

/** Every imported instance must be one of the dataset's (its gold data scores the candidates): else the file, line and field are named. */
export function checkImportedInstances(run: ImportedRun, dataset: ReadonlyMap<string, Instance>, datasetFile: string): void {
  for (const instance of run.instances) {
    if (dataset.has(instance.instanceId)) continue;
    const { provenance } = instance;
    throw new DatasetError({
      file: path.join(run.source, provenance.file),
      ...(provenance.line === undefined ? {} : { line: provenance.line }),
      reason: `field "instance_id": "${instance.instanceId}" is not an instance of ${datasetFile}; import with the dataset the ${run.format} was made on`,
    });
  }
}
