import http from 'node:http';
import Dockerode from 'dockerode';
import type { Instance, Logger, SandboxLimits } from '@codemonkeys/protocol';
import { createDockerSandbox, type DockerSandbox } from '@codemonkeys/sandbox-docker';
import { openEvaluationEnvironment, type EvaluationEnvironment, type EvaluationEnvironmentOptions } from '@codemonkeys/swebench';
import type { DockerSandboxConfig } from '../config/experiment-config';
import { findBaseImageScript, runBaseImageScript } from './base-image-script';

export interface RunnerEnvironmentOptions {
  instances: readonly Instance[];
  /** The Docker settings of the config (or of `eval`/`rewards` flags), or `none` for workspaces only. */
  sandbox: DockerSandboxConfig | 'none';
  /** On every container (Docker's own and the instances'): what finds them, and reaps them after a crash. */
  labels: Record<string, string>;
  /** Containers one instance may have at once (default 1): `eval --containers` runs an instance's candidates side by side. */
  sessionsPerInstance?: number;
  cacheDirectory?: string | undefined;
  repositorySources?: Readonly<Record<string, string>> | undefined;
  logger?: Logger;
  /** Short notices (image builds) for the progress display. */
  log: (message: string) => void;
}

/**
 * The one place the runner opens an environment (`eval`, `rewards`, `run`, `worker`): the Docker sandbox
 * from the settings (containers of crashed runs reaped on start) handed to swebench's
 * `openEvaluationEnvironment` with the specs, limits, isolation, labels and image-build hooks.
 */
export async function openRunnerEnvironment(options: RunnerEnvironmentOptions & { sandbox: DockerSandboxConfig }): Promise<EvaluationEnvironment<DockerSandbox>>;
export async function openRunnerEnvironment(options: RunnerEnvironmentOptions): Promise<EvaluationEnvironment<DockerSandbox | undefined>>;
export async function openRunnerEnvironment(options: RunnerEnvironmentOptions): Promise<EvaluationEnvironment<DockerSandbox | undefined>> {
  const common: EvaluationEnvironmentOptions<DockerSandbox> = {
    instances: options.instances,
    ...(options.cacheDirectory ? { cacheDirectory: options.cacheDirectory } : {}),
    ...(options.repositorySources ? { repositorySources: options.repositorySources } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  };
  const settings = options.sandbox;
  if (settings === 'none') return openEvaluationEnvironment(common);
  // A Docker client with its own HTTP agent, destroyed on close: archive uploads leave response sockets
  // open that would otherwise keep the process alive after the run (docker-modem takes `agent`).
  const agent = new http.Agent({ keepAlive: false });
  let environment: EvaluationEnvironment<DockerSandbox>;
  try {
    environment = await openEvaluationEnvironment({
      ...common,
      sandbox: () => createDockerSandbox({ docker: new Dockerode({ agent } as Dockerode.DockerOptions), labels: options.labels, defaultTimeoutMs: settings.commandTimeoutMs }),
      ...(settings.specFile ? { specFile: settings.specFile } : {}),
      specKind: settings.specKind,
      isolation: settings.isolation,
      ...(settings.registry ? { registry: settings.registry } : {}),
      ...(settings.maxImageDiskBytes ? { maxImageDiskBytes: settings.maxImageDiskBytes } : {}),
      limits: limitsOf(settings.limits),
      labels: options.labels,
      ...(options.sessionsPerInstance ? { sessionsPerInstance: options.sessionsPerInstance } : {}),
      onNotice: options.log,
      ...baseImageBuilder(settings.buildBaseImages, options.log),
    });
  } catch (error) {
    agent.destroy();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    ...environment,
    close() {
      closing ??= environment.close().finally(() => agent.destroy());
      return closing;
    },
  };
}

/** The limits that are set (the config's partial limits may hold undefined ones). */
function limitsOf(limits: DockerSandboxConfig['limits']): Partial<SandboxLimits> {
  return {
    ...(limits.memoryBytes === undefined ? {} : { memoryBytes: limits.memoryBytes }),
    ...(limits.cpus === undefined ? {} : { cpus: limits.cpus }),
    ...(limits.pids === undefined ? {} : { pids: limits.pids }),
  };
}

/**
 * With `buildBaseImages`, a missing Debian base image is built with the checkout's script (absent for an
 * installed runner without a checkout: then a missing base image fails with how to build it).
 */
function baseImageBuilder(buildBaseImages: boolean, log: (message: string) => void): Pick<EvaluationEnvironmentOptions, 'buildBaseImage'> {
  const script = buildBaseImages ? findBaseImageScript() : undefined;
  if (!script) return {};
  return {
    buildBaseImage: async (suite, image) => {
      log(`building the base image ${image} with ${script} (debootstrap of Debian ${suite}, about two minutes)`);
      await runBaseImageScript(script, suite, image, () => undefined);
    },
  };
}
