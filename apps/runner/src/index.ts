export { packageMeta } from './package-meta';
export { createProgram } from './program';
export { exitCodes } from './exit-codes';

// Code experiments
export {
  defineExperiment,
  isExperimentDefinition,
  CodeExperimentConfigSchema,
  type CodeExperimentConfig,
  type CodeExperimentConfigInput,
  type ExperimentContext,
  type ExperimentDefinition,
  type ExperimentPipeline,
} from './experiment/define-experiment';

// Configs and plugins
export { ExperimentConfigSchema, ModelEndpointConfigSchema, PluginConfigSchema, type ExperimentConfig, type ExperimentConfigInput } from './config/experiment-config';
export { loadExperimentConfig } from './config/load-experiment-config';
export { applyOverrides, expandGrid, parseVaryFlags, sweepPoints } from './config/hyper-sweep';
export { planExperiment, type ExperimentPlan, type PlannedRun } from './experiment/experiment-plan';
export { experimentIdOf, runIdOf, stableHash } from './experiment/experiment-identity';
export { loadPlugin, type LoadedPlugin } from './plugins/load-plugin';
export { listInstalledPlugins, pluginKeyword, type InstalledPlugin } from './plugins/installed-plugins';
export { parsePluginName, shortPluginName } from './plugins/plugin-name';

// Running
export { fuseLocalizations, type FusionOptions } from './execution/reciprocal-rank-fusion';
export { runExperimentCommand, type RunCommandOptions } from './execution/run-experiment-command';

// Reports
export { collectRunReport, type RunReport } from './report/collect-run-report';
export { formatHtmlReport } from './report/format-html-report';
export { formatMarkdownReport } from './report/format-markdown-report';
export { formatJsonReport } from './report/format-json-report';
export { formatTerminalReport } from './report/format-terminal-report';

// The scripted model of the demo (for tests and benchmarks of your own plugins)
export { createScriptedModelHandler, diffToSearchReplace, scriptedModelNotice, type ScriptedInstance, type ScriptedSample } from './demo/scripted-model';
export { prepareDemoDataset, type DemoDataset } from './demo/demo-dataset';
