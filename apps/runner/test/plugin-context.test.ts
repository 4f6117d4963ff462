import { silentLogger, type SequenceStorage } from '@codemonkeys/protocol';
import { runPluginContextConformance } from '@codemonkeys/protocol/testkit';
import { ExperimentConfigSchema } from '../src/config/experiment-config';
import { openConfiguredExperiment } from '../src/execution/open-configured-experiment';
import { createRunControl } from '../src/execution/run-control';
import { openStorage } from '../src/storage/open-storage';
import { createScriptedSetup } from './support/scripted-experiment';

// The runner's plugin contexts, as `codemonkeys run` creates them, over a real SQLite storage that holds
// the host's own work states of the instance.
runPluginContextConformance('the runner (SQLite storage)', {
  async create() {
    const setup = await createScriptedSetup();
    const storage: SequenceStorage = await openStorage(`sqlite:${setup.directory}/runs.db`);
    const config = ExperimentConfigSchema.parse({ ...setup.config(), storage: `sqlite:${setup.directory}/runs.db`, output: `${setup.directory}/out` });
    const { runtime } = await openConfiguredExperiment(config, { cwd: setup.directory, storage, control: createRunControl(), logger: silentLogger });
    const instance = setup.dataset.instances[0]!;
    const now = new Date().toISOString();
    for (const key of ['instance', 'rewards:localize', 'rewards:generate', 'rewards:select']) {
      await storage.putWorkState({ runId: 'run-1', instanceId: instance.instanceId, key, state: { status: 'done', resolved: true }, updatedAt: now });
    }
    const run = runtime.runs[0]!;
    return {
      instance,
      context: (pluginName, runId) => runtime.environment.pluginContext({ ...run, runId }, pluginName, 'default'),
      async cleanup() {
        await runtime.close();
        await storage.close();
        await setup.close();
      },
    };
  },
});
