import fs from 'node:fs/promises';
import path from 'node:path';
import { startLoopbackModelServer } from '@codemonkeys/llm/testing';
import { createDockerSandbox } from '@codemonkeys/sandbox-docker';
import type { RunCommandFlags } from '../commands/run-command';
import { UsageError } from '../commands/run-command';
import type { ExperimentConfigInput } from '../config/experiment-config';
import { runExperimentCommand } from '../execution/run-experiment-command';
import { findBaseImageScript } from '../evaluation/base-image-script';
import { prepareDemoDataset } from './demo-dataset';
import { createScriptedModelHandler, scriptedModelNotice } from './scripted-model';

export interface DemoOptions {
  output: string;
  /** Without Docker: no sandbox (no gold tests, no generated-test runs). */
  docker: boolean;
  progress: 'auto' | 'bar' | 'lines';
  json: boolean;
  /** Keep the runs of an earlier demo in the output folder (the run resumes instead of starting over). */
  keep: boolean;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WriteStream;
}

/** An illustrative price, so that the scorecard shows what cost accounting looks like. */
const illustrativePrice = { inputPerMillion: 3, outputPerMillion: 15 };

async function checkDocker(): Promise<void> {
  let sandbox;
  try {
    sandbox = await createDockerSandbox({ reapOnStart: false });
  } catch (error) {
    throw new UsageError(
      `The demo runs candidate patches in Docker, and no Docker daemon answers (${(error as Error).message.split('\n')[0]}). Start one (bash scripts/setup-machine.sh does), or run \`codemonkeys demo --no-docker\`.`,
    );
  }
  try {
    if (!(await sandbox.images.exists('codemonkeys/base:bookworm')) && !findBaseImageScript()) {
      throw new UsageError(
        'The demo needs the offline base image codemonkeys/base:bookworm: build it with scripts/build-base-image.sh bookworm codemonkeys/base:bookworm (from a checkout of codemonkeys), or run `codemonkeys demo --no-docker`.',
      );
    }
  } finally {
    await sandbox.close();
  }
}

/**
 * `codemonkeys demo`: the whole pipeline offline on the bundled example instances. It builds the
 * fixture repository, writes the dataset and an experiment config into the output folder, starts the
 * scripted model (a loopback server answering fixed, pre-written answers: clearly not a language model),
 * and runs the config with `codemonkeys run`'s machinery: two localizers fused by reciprocal rank
 * (Agentless-style through the model, and the local lexical embedding), four generated candidates with
 * reproduction tests, a vote, rewards with SWE-bench verdicts in Docker, SQLite storage, and the scorecard.
 */
export async function runDemo(options: DemoOptions): Promise<number> {
  const stderr = options.stderr ?? process.stderr;
  const output = path.resolve(options.output);
  if (options.docker) await checkDocker();
  await fs.mkdir(output, { recursive: true });
  if (!options.keep) {
    for (const file of ['runs.db', 'runs.db-wal', 'runs.db-shm']) await fs.rm(path.join(output, file), { force: true });
  }
  const dataset = await prepareDemoDataset(path.join(output, 'example'));
  const server = await startLoopbackModelServer({ handler: createScriptedModelHandler({ instances: dataset.scripted }), model: 'codemonkeys-scripted-demo', latencyMs: 50 });
  try {
    const config: ExperimentConfigInput = {
      name: 'demo',
      dataset: dataset.datasetFile,
      repositories: dataset.fixture.repositorySources,
      cacheDirectory: path.join(output, 'repositories'),
      models: {
        default: {
          baseUrl: `${server.url}/v1`,
          model: 'codemonkeys-scripted-demo',
          // The server listens on a new port each time: the name keeps cache keys and ids stable.
          name: 'codemonkeys-scripted-demo',
          maxConcurrent: 8,
          price: illustrativePrice,
        },
      },
      localizer: [
        { plugin: 'agentless', options: { samples: 1 } },
        { plugin: 'embedding', options: { tokenBudget: 1500 } },
      ],
      generator: { plugin: 'llm', options: { samples: 4, seed: 1000, tests: 'combined', concurrency: 4 } },
      selector: 'vote',
      storage: `sqlite:${path.join(output, 'runs.db')}`,
      sandbox: options.docker ? { specFile: dataset.specFile } : 'none',
      rewards: { testTimeoutSeconds: 30 },
      concurrency: { instances: 3, containers: 2, cpu: 2 },
      retries: 0,
      output,
    };
    const configFile = path.join(output, 'demo-experiment.json');
    // The experiment as a config file: what `codemonkeys run` reads; the model's port is today's.
    await fs.writeFile(configFile, `${JSON.stringify(config, null, 2)}\n`);
    const flags: RunCommandFlags = {
      instances: [],
      localizer: [],
      set: [],
      vary: [],
      repository: [],
      rewards: true,
      progress: options.progress,
      ...(options.json ? { json: true } : {}),
    };
    return await runExperimentCommand({
      experiment: configFile,
      flags,
      cwd: output,
      ...(options.stdout ? { stdout: options.stdout } : {}),
      stderr,
      banner: [
        `codemonkeys demo — ${dataset.instances.length} example instances of a small Python package (${dataset.fixture.root})`,
        `model: ${scriptedModelNotice} (loopback server ${server.url}); prices are illustrative ($${illustrativePrice.inputPerMillion}/$${illustrativePrice.outputPerMillion} per million tokens)`,
        `sandbox: ${options.docker ? 'Docker (SWE-bench verdicts of every candidate)' : 'none (--no-docker: no test runs)'}; storage: SQLite ${path.join(output, 'runs.db')}; config: ${configFile}`,
      ].join('\n'),
    });
  } finally {
    await server.close();
    await dataset.fixture.cleanup().catch(() => undefined);
  }
}
