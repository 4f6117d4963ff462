import type { Logger } from '@codemonkeys/protocol';
import { experimentRecordOf, pluginsOfRun, type ExperimentPlan, type PlannedRun } from '../experiment/experiment-plan';
import { createConfiguredPipeline } from './configured-pipeline';
import { createCoreExperiment, type ExperimentRuntime, type RuntimeRun } from './experiment-runtime';
import type { ExperimentResources } from './experiment-resources';
import { createInstanceEnvironment } from './instance-environment';
import type { RunControl } from './run-control';
import { silentStageObserver, type StageObserver } from './stage-runner';

interface ConfiguredRun extends RuntimeRun {
  planned: PlannedRun;
}

/** The runtime of a configured experiment (a config file or flags): one run per sweep point. */
export function createConfiguredRuntime(options: { plan: ExperimentPlan; resources: ExperimentResources; control: RunControl; logger: Logger }): ExperimentRuntime {
  const { plan, resources } = options;
  const runs: ConfiguredRun[] = plan.runs.map((planned) => ({
    planned,
    runId: planned.runId,
    index: planned.index,
    label: planned.label,
    overrides: planned.overrides,
    hypers: planned.hypers,
    rewards: planned.config.rewards,
    configHash: planned.configHash,
    plugins: pluginsOfRun(planned).map((plugin) => plugin.record),
    modelNameOrPath: planned.config.modelNameOrPath
      ? plan.runs.length > 1
        ? `${planned.config.modelNameOrPath}-${planned.index}`
        : planned.config.modelNameOrPath
      : planned.runId,
    config: JSON.parse(JSON.stringify(planned.config)) as Record<string, unknown>,
  }));
  const environment = createInstanceEnvironment({ experimentId: plan.experimentId, resources, signal: options.control.signal, logger: options.logger });
  let observer: StageObserver = silentStageObserver;
  const experiment = createCoreExperiment({
    environment,
    runs,
    modelEndpoint: plan.config.models.default!.baseUrl,
    control: options.control,
    observer: () => observer,
    pipelineOf: (run) => createConfiguredPipeline((run as ConfiguredRun).planned, environment),
  });
  return {
    kind: 'config',
    experimentId: plan.experimentId,
    name: plan.config.name,
    configHash: plan.configHash,
    runs,
    experiment,
    environment,
    experimentRecord: () => experimentRecordOf(plan),
    setObserver(next) {
      observer = next;
    },
    close: () => resources.close(),
  };
}
