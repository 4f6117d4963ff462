import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startLoopbackModelServer, type LoopbackModelServer } from '@codemonkeys/llm/testing';
import type { ExperimentConfigInput } from '../../src/config/experiment-config';
import { prepareDemoDataset, type DemoDataset } from '../../src/demo/demo-dataset';
import { createScriptedModelHandler } from '../../src/demo/scripted-model';

export { cliPath, exited, runCli, spawnCli, type CliResult } from './run-cli';

/** A request the scripted model answered, and when (to tell finished work from work in flight). */
interface AnsweredRequest {
  key: string;
  answeredAt: number;
}

export interface ScriptedSetup {
  directory: string;
  dataset: DemoDataset;
  server: LoopbackModelServer;
  /** Every answered chat request (a hash of its body) with its time. */
  answered: AnsweredRequest[];
  /** Request keys in arrival order. */
  requestKeys(): string[];
  /** An experiment config over the example dataset and the scripted model (no sandbox unless asked). */
  config(overrides?: Partial<ExperimentConfigInput>): ExperimentConfigInput;
  writeConfig(name: string, overrides?: Partial<ExperimentConfigInput>): string;
  close(): Promise<void>;
}

export const requestKey = (body: unknown): string => createHash('sha256').update(JSON.stringify(body)).digest('hex');

/**
 * The example instances (the demo's fixture; `copies` makes that many distinct instances of them) and
 * the scripted model on a loopback server, answering after `latencyMs`.
 */
export async function createScriptedSetup(options: { copies?: number; latencyMs?: number } = {}): Promise<ScriptedSetup> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'codemonkeys-runner-'));
  const dataset = await prepareDemoDataset(path.join(directory, 'example'), options.copies ? { copies: options.copies } : {});
  const scripted = createScriptedModelHandler({ instances: dataset.scripted });
  const answered: AnsweredRequest[] = [];
  const latencyMs = options.latencyMs ?? 0;
  const server = await startLoopbackModelServer({
    model: 'scripted',
    handler: async (request) => {
      if (latencyMs > 0) await sleep(latencyMs);
      const reply = await scripted(request);
      answered.push({ key: requestKey(request.body), answeredAt: Date.now() });
      return reply;
    },
  });
  const config = (overrides: Partial<ExperimentConfigInput> = {}): ExperimentConfigInput => ({
    name: 'scripted',
    dataset: dataset.datasetFile,
    repositories: dataset.fixture.repositorySources,
    cacheDirectory: path.join(directory, 'repositories'),
    models: { default: { baseUrl: `${server.url}/v1`, model: 'scripted', name: 'scripted-test-model', maxConcurrent: 8, price: { inputPerMillion: 1, outputPerMillion: 2 } } },
    localizer: [{ plugin: 'agentless' }, { plugin: 'embedding', options: { tokenBudget: 1500 } }],
    generator: { plugin: 'llm', options: { samples: 4, seed: 1000, tests: 'combined', concurrency: 4 } },
    selector: 'vote',
    sandbox: 'none',
    retries: 0,
    retryDelayMs: 10,
    ...overrides,
  });
  return {
    directory,
    dataset,
    server,
    answered,
    requestKeys: () => server.requests.filter((request) => request.protocol === 'openai-chat').map((request) => requestKey(request.body)),
    config,
    writeConfig(name, overrides) {
      const file = path.join(directory, name);
      fs.writeFileSync(file, `${JSON.stringify(config(overrides), null, 2)}\n`);
      return file;
    },
    async close() {
      await server.close();
      await dataset.fixture.cleanup().catch(() => undefined);
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}
