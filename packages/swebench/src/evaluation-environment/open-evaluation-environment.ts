import { silentLogger, type Instance, type Sandbox } from '@codemonkeys/protocol';
import type { EnvironmentSpec, EnvironmentSpecInput } from '../environment/environment-spec';
import { createInstanceSandboxProvider, type InstanceSandboxProvider, type InstanceSandboxProviderOptions } from '../evaluation/instance-sandbox-provider';
import { createRepositoryCache, type RepositoryCache, type RepositoryCacheOptions } from '../repository/repository-cache';
import { createWorkspaceProvider, type WorkspaceProvider } from '../repository/workspace-provider';
import { loadEnvironmentSpecFile } from './environment-spec-file';

/** A sandbox the caller owns (left open by `close()`), or a function that opens one for the environment (closed by `close()`). */
export type EvaluationSandboxSource<S extends Sandbox = Sandbox> = S | (() => Promise<S>);

export interface EvaluationEnvironmentOptions<S extends Sandbox = Sandbox> extends Pick<
  InstanceSandboxProviderOptions,
  | 'specKind'
  | 'limits'
  | 'isolation'
  | 'sessionsPerInstance'
  | 'labels'
  | 'setupTimeoutMs'
  | 'imageBuildTimeoutMs'
  | 'buildBaseImage'
  | 'onImageLog'
  | 'logger'
  | 'registry'
  | 'maxImageDiskBytes'
> {
  /** The instances served: their workspaces (`workspaces.workspace(id)`) and sandboxes. */
  instances: readonly Instance[];
  /**
   * Where instance sandboxes run, e.g. `() => createDockerSandbox({ labels })` of
   * @codemonkeys/sandbox-docker. Absent: workspaces only, no instance sandboxes.
   */
  sandbox?: EvaluationSandboxSource<S>;
  /** Folder of the repository mirrors (default: the repository cache's, under the temporary folder). */
  cacheDirectory?: string;
  /** Where each repository is cloned from (`owner/name` → URL or path of a clone); others come from GitHub. */
  repositorySources?: RepositoryCacheOptions['repositorySources'];
  /** Your environment specs, searched before the built-in ones. */
  specs?: readonly (EnvironmentSpec | EnvironmentSpecInput)[];
  /** A JSON file of environment specs (an array, or one spec), searched before `specs` and the built-in ones. */
  specFile?: string;
  /** Short notices for whoever watches: the first build of each environment image (it takes minutes). */
  onNotice?: (message: string) => void;
}

/** The repositories and sandboxes of one evaluation, run or worker; `close()` closes what it opened. */
export interface EvaluationEnvironment<S extends Sandbox | undefined = Sandbox | undefined> {
  readonly repositoryCache: RepositoryCache;
  /** `context.workspace(instanceId)` of the instances, over `repositoryCache`. */
  readonly workspaces: WorkspaceProvider;
  readonly sandbox: S;
  /** The instances' sandboxes (`context.sandbox(id)`, evaluation, rewards); undefined without a sandbox. */
  readonly instanceSandboxes: S extends Sandbox ? InstanceSandboxProvider : undefined;
  /** The specs read from `specFile` and given in `specs`, in search order (built-in ones not included). */
  readonly specs: readonly (EnvironmentSpec | EnvironmentSpecInput)[];
  /**
   * Closes the instance sandboxes (their containers), then the sandbox if the environment opened it,
   * then the workspaces and the repository cache (worktrees, git processes). Every part is closed even
   * when one fails (failures go to the logger as warnings: a close in a `finally` never hides the error
   * that ended the work). Every call returns the same promise.
   */
  close(): Promise<void>;
}

type Closer = { part: string; close: () => Promise<void> };

/**
 * Opens what every command that runs instances needs, in one place: the environment specs (a bad file
 * fails before anything opens), the repository cache, the instances' workspaces, the sandbox (when
 * `sandbox` is a function) and the instance sandbox provider over it. When opening fails halfway, what
 * was opened is closed again before the error is thrown. Nothing runs in a sandbox until an instance's
 * sandbox is used: images are built and containers opened then.
 */
export async function openEvaluationEnvironment<S extends Sandbox>(
  options: EvaluationEnvironmentOptions<S> & { sandbox: EvaluationSandboxSource<S> },
): Promise<EvaluationEnvironment<S>>;
export async function openEvaluationEnvironment(options: EvaluationEnvironmentOptions & { sandbox?: undefined }): Promise<EvaluationEnvironment<undefined>>;
export async function openEvaluationEnvironment<S extends Sandbox>(options: EvaluationEnvironmentOptions<S>): Promise<EvaluationEnvironment<S | undefined>>;
export async function openEvaluationEnvironment<S extends Sandbox>(options: EvaluationEnvironmentOptions<S>): Promise<EvaluationEnvironment<S | undefined>> {
  const logger = options.logger ?? silentLogger;
  const specs = [...(options.specFile ? await loadEnvironmentSpecFile(options.specFile) : []), ...(options.specs ?? [])];
  const opened: Closer[] = [];
  const closeOpened = async (): Promise<void> => {
    for (const { part, close } of opened.reverse()) {
      try {
        await close();
      } catch (error) {
        logger.warn(`closing the ${part} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  };
  try {
    const repositoryCache = createRepositoryCache({
      ...(options.cacheDirectory ? { directory: options.cacheDirectory } : {}),
      ...(options.repositorySources ? { repositorySources: options.repositorySources } : {}),
    });
    opened.push({ part: 'repository cache', close: () => repositoryCache.close() });
    const workspaces = createWorkspaceProvider({ instances: options.instances, cache: repositoryCache });
    opened.push({ part: 'workspaces', close: () => workspaces.close() });
    let sandbox: S | undefined;
    let instanceSandboxes: InstanceSandboxProvider | undefined;
    if (options.sandbox) {
      if (typeof options.sandbox === 'function') {
        const opening = await options.sandbox();
        sandbox = opening;
        opened.push({ part: `${opening.name} sandbox`, close: () => opening.close() });
      } else {
        sandbox = options.sandbox;
      }
      const provider = createInstanceSandboxProvider({
        sandbox,
        repositoryCache,
        ...(specs.length > 0 ? { specs } : {}),
        ...pick(options, [
          'specKind',
          'limits',
          'isolation',
          'sessionsPerInstance',
          'labels',
          'setupTimeoutMs',
          'imageBuildTimeoutMs',
          'buildBaseImage',
          'logger',
          'registry',
          'maxImageDiskBytes',
        ]),
        ...imageLogOf(options),
      });
      instanceSandboxes = provider;
      opened.push({ part: 'instance sandboxes', close: () => provider.close() });
    }
    let closing: Promise<void> | undefined;
    return {
      repositoryCache,
      workspaces,
      sandbox,
      instanceSandboxes,
      specs,
      close() {
        closing ??= closeOpened();
        return closing;
      },
    } as EvaluationEnvironment<S | undefined>;
  } catch (error) {
    await closeOpened();
    throw error;
  }
}

/** The options that are set (exactOptionalPropertyTypes: an absent option is never passed as undefined). */
function pick<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const picked: Partial<Pick<T, K>> = {};
  for (const key of keys) if (source[key] !== undefined) picked[key] = source[key];
  return picked;
}

/** The provider's image-log hook: the caller's, plus the notice of each image's first build (once per image). */
function imageLogOf(options: EvaluationEnvironmentOptions<Sandbox>): Pick<InstanceSandboxProviderOptions, 'onImageLog'> {
  const { onImageLog, onNotice } = options;
  if (!onImageLog && !onNotice) return {};
  const announced = new Set<string>();
  return {
    onImageLog(line, image) {
      if (onNotice && !announced.has(image)) {
        announced.add(image);
        onNotice(`building or pulling the environment image ${image} (once; later instances of this environment reuse it)`);
      }
      onImageLog?.(line, image);
    },
  };
}
