import {
  SandboxError,
  silentLogger,
  type Instance,
  type InstanceSandbox,
  type Logger,
  type Sandbox,
  type SandboxLimits,
  type SandboxSession,
  type SandboxSpec,
} from '@codemonkeys/protocol';
import { createInstanceSandboxPool, type InstanceSandboxPool, type InstanceSandboxPoolStatistics } from '../sandbox-pool/instance-sandbox-pool';
import { environmentWorkdir, sweBenchImageName, type DebianSuite, type EnvironmentSpec, type EnvironmentSpecInput } from '../environment/environment-spec';
import { expandCommand, findEnvironmentSpec } from '../environment/find-environment-spec';
import type { RepositoryCache } from '../repository/repository-cache';
import { ensureEnvironmentImage, environmentImageTag, type EnvironmentImage } from './environment-image';
import { environmentShell, sandboxEnvironment } from './environment-shell';
import { EnvironmentSetupError } from './evaluation-errors';

/** What the provider needs to know of an instance: never its gold patch, test patch or test lists (a Task will do). */
export type SandboxInstance = Pick<Instance, 'instanceId' | 'repo' | 'baseCommit'> & { version?: string | undefined };

/** Labels on every container of the provider, besides the sandbox's own. */
export const instanceSandboxLabels = {
  instanceId: 'codemonkeys.instance',
  environment: 'codemonkeys.environment.spec',
} as const;

export interface InstanceSandboxProviderOptions {
  /**
   * The sandbox sessions run in. With the `images` capability (@codemonkeys/sandbox-docker) environment
   * images are built or pulled as needed; without it they must exist already.
   */
  sandbox: Sandbox;
  /** Where repositories come from; `archive(repo, baseCommit)` is streamed into /testbed. */
  repositoryCache: RepositoryCache;
  /** Your environment specs, searched before the built-in ones. */
  specs?: readonly (EnvironmentSpec | EnvironmentSpecInput)[];
  /** `debian` (default): images built here; `swebench-image`: official instance images (needs a registry). */
  specKind?: EnvironmentSpec['kind'];
  /** Resource limits of every session (network is never given). */
  limits?: Partial<SandboxLimits>;
  /**
   * `reuse` (default): one container serves every use of an instance, reset to the prepared state
   * between uses. `fresh`: a new container per use (what the SWE-bench harness does; slower, and immune to
   * anything code under test writes outside /testbed and the scratch directories).
   */
  isolation?: 'reuse' | 'fresh';
  /** Containers per instance that may run at once (default 1). */
  sessionsPerInstance?: number;
  /** Extra labels on every container. */
  labels?: Record<string, string>;
  /** Time limit of putting the repository in and running the spec's setup commands (default 30 minutes). */
  setupTimeoutMs?: number;
  /** Time limit of an image build (default 30 minutes). */
  imageBuildTimeoutMs?: number;
  /** Builds a missing Debian base image (see `ensureEnvironmentImage`). */
  buildBaseImage?: (suite: DebianSuite, image: string) => Promise<void>;
  /** Build (or pull) output of environment images, line by line, with the image's name. */
  onImageLog?: (line: string, image: string) => void;
  /** Registry (mirror) official images are pulled from, e.g. `127.0.0.1:5000` (see `ensureEnvironmentImage`). */
  registry?: string;
  /** Disk budget of environment images, in bytes: least recently used ones are removed past it (see `ensureEnvironmentImage`). */
  maxImageDiskBytes?: number;
  logger?: Logger;
}

/** The sandbox of one instance: core's InstanceSandbox plus what evaluation needs to know. */
export interface EnvironmentInstanceSandbox extends InstanceSandbox {
  /** The environment spec the sandbox was made from. */
  readonly spec: EnvironmentSpec;
  /** Sessions opened, resets, replacements and uses (summed over pools in `fresh` isolation). */
  readonly statistics: Readonly<InstanceSandboxPoolStatistics>;
  /** The image sessions start from, built or pulled on first call (the first `use` calls it). */
  image(): Promise<EnvironmentImage>;
  /** Removes this instance's containers; later uses open new ones. */
  close(): Promise<void>;
}

export interface InstanceSandboxProvider {
  /**
   * The sandbox of an instance (the same object for every call with that instance id until it is
   * released): the repository at the base commit in /testbed of the instance's environment. Hand it to
   * plugins as `context.sandbox(id)`. Throws NotFoundError when no environment spec serves the instance.
   */
  sandboxFor(instance: SandboxInstance): EnvironmentInstanceSandbox;
  /** The environment spec that serves an instance. */
  specFor(instance: SandboxInstance): EnvironmentSpec;
  /** Closes an instance's containers and forgets its sandbox (call when the instance is done). */
  release(instanceId: string): Promise<void>;
  /** Instances whose sandbox is open. */
  readonly openInstances: readonly string[];
  /** Closes every instance's containers. The sandbox itself is the caller's to close. */
  close(): Promise<void>;
}

/** Directories emptied after setup and at every reset: temporary files and the home of root (caches, config that tests write). */
const scratchDirectories = ['/tmp', '/var/tmp', '/root'];

const describeResult = (result: { exitCode: number | null; timedOut: boolean; stdout: string; stderr: string }): string =>
  result.timedOut ? 'timed out' : `exited with ${result.exitCode}:\n${`${result.stdout}\n${result.stderr}`.trim().slice(-3000)}`;

/**
 * Makes the repository, as `git archive` left it, a git repository whose HEAD is the base commit's tree
 * (SWE-bench's /testbed is a checkout), so that `git apply`, `git diff` and `git status` work inside.
 * Files the spec's setup commands make later (builds, egg-info) stay untracked, as in a checkout.
 */
const commitBaseScript = [
  'set -e',
  'export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=codemonkeys GIT_AUTHOR_EMAIL=codemonkeys@localhost GIT_COMMITTER_NAME=codemonkeys GIT_COMMITTER_EMAIL=codemonkeys@localhost',
  'export GIT_AUTHOR_DATE=2000-01-01T00:00:00Z GIT_COMMITTER_DATE=2000-01-01T00:00:00Z',
  'git -c init.defaultBranch=main init -q .',
  'git config core.autocrlf false',
  'git add -A -f .',
  // The commit hash comes as an argument, never inside the script.
  'git commit -q --no-verify --allow-empty -m "base commit $1"',
].join('\n');

/**
 * The repository of an official image's /testbed, whatever history it carries, replaced by one whose
 * only commit holds the files as they are (`.gitignore` respected: build products stay untracked), so
 * that no commit after the base commit is reachable from inside the sandbox.
 */
const flattenHistoryScript = [
  'set -e',
  'export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=codemonkeys GIT_AUTHOR_EMAIL=codemonkeys@localhost GIT_COMMITTER_NAME=codemonkeys GIT_COMMITTER_EMAIL=codemonkeys@localhost',
  'export GIT_AUTHOR_DATE=2000-01-01T00:00:00Z GIT_COMMITTER_DATE=2000-01-01T00:00:00Z',
  'rm -rf .git',
  'git -c init.defaultBranch=main init -q .',
  'git config core.autocrlf false',
  'git add -A .',
  'git commit -q --no-verify --allow-empty -m "base commit $1"',
].join('\n');

const emptyScratchScript = scratchDirectories.map((directory) => `[ -d ${directory} ] && find ${directory} -mindepth 1 -maxdepth 1 -exec rm -rf {} +`).join('\n') + '\ntrue';

/**
 * Instance sandboxes for everyone who runs code of an instance: the runner hands them to plugins
 * (`context.sandbox(id)`: a generator's iterative mode, a selector's test votes), rewards and
 * `evaluatePatch` run through them. Each instance gets core's instance sandbox pool over `sandbox`: the
 * environment image (built once per environment, cached by `environmentImageKey`), the repository
 * streamed from the repository cache into /testbed at the base commit and committed there, the spec's
 * setup commands run once; every use then starts from exactly that state. Nothing of the gold data
 * (gold patch, test patch, test lists) goes into the sandbox.
 */
export function createInstanceSandboxProvider(options: InstanceSandboxProviderOptions): InstanceSandboxProvider {
  const { sandbox, repositoryCache } = options;
  const logger = options.logger ?? silentLogger;
  const isolation = options.isolation ?? 'reuse';
  const setupTimeoutMs = options.setupTimeoutMs ?? 30 * 60_000;
  const specKind = options.specKind ?? 'debian';
  const sandboxes = new Map<string, EnvironmentInstanceSandbox>();
  /** Image per environment (tag or official image): built once for all instances that share it. */
  const imagesByKey = new Map<string, Promise<EnvironmentImage>>();
  let closed = false;

  const specFor = (instance: SandboxInstance): EnvironmentSpec => findEnvironmentSpec(instance, { kind: specKind, ...(options.specs ? { specs: options.specs } : {}) });

  const imageFor = (instance: SandboxInstance, spec: EnvironmentSpec): Promise<EnvironmentImage> => {
    const key = spec.kind === 'debian' ? `debian\0${JSON.stringify([spec.debianSuite, spec.debianPackages, spec.imageCommands])}` : `official\0${instance.instanceId}`;
    let pending = imagesByKey.get(key);
    if (!pending) {
      const imageName = spec.kind === 'debian' ? environmentImageTag(spec) : sweBenchImageName(spec, instance.instanceId);
      // A sandbox that cannot build images runs the image if it exists (built elsewhere); opening says so if not.
      if (!sandbox.images) return Promise.resolve({ image: imageName, built: false });
      pending = ensureEnvironmentImage({
        images: sandbox.images,
        spec,
        instanceId: instance.instanceId,
        ...(options.buildBaseImage ? { buildBaseImage: options.buildBaseImage } : {}),
        ...(options.imageBuildTimeoutMs ? { timeoutMs: options.imageBuildTimeoutMs } : {}),
        ...(options.onImageLog ? { onLog: (line: string) => options.onImageLog!(line, imageName) } : {}),
        ...(options.registry ? { registry: options.registry } : {}),
        ...(options.maxImageDiskBytes === undefined ? {} : { maxImageDiskBytes: options.maxImageDiskBytes }),
      }).then((image) => {
        if (image.built) logger.info(`built environment image ${image.image}`, { instanceId: instance.instanceId });
        return image;
      });
      // A failed build is not cached: the next use tries again (the daemon may be back).
      pending.catch(() => imagesByKey.delete(key));
      imagesByKey.set(key, pending);
    }
    return pending;
  };

  async function prepare(instance: SandboxInstance, spec: EnvironmentSpec, session: SandboxSession): Promise<void> {
    const fail = (step: string, detail: string, cause?: unknown): never => {
      throw new EnvironmentSetupError({
        instanceId: instance.instanceId,
        message: `Preparing the sandbox of ${instance.instanceId} failed while ${step}: ${detail}`,
        cause,
      });
    };
    if (spec.kind === 'swebench-image') {
      // The official image has /testbed at the base commit, but its repository may still hold branches,
      // tags or objects of later commits: it is replaced by one whose only commit is the files as they are.
      const flattened = await session.exec(['sh', '-c', flattenHistoryScript, 'codemonkeys-flatten-history', instance.baseCommit], {
        timeoutMs: setupTimeoutMs,
        cwd: session.workdir,
      });
      if (flattened.exitCode !== 0) fail('replacing the image repository by one that holds the base commit alone (the image needs git)', describeResult(flattened));
      return;
    }
    try {
      await session.putArchive(repositoryCache.archive(instance.repo, instance.baseCommit), session.workdir);
    } catch (error) {
      fail(`putting ${instance.repo} at ${instance.baseCommit.slice(0, 12)} into ${session.workdir}`, error instanceof Error ? error.message : String(error), error);
    }
    const committed = await session.exec(['sh', '-c', commitBaseScript, 'codemonkeys-commit-base', instance.baseCommit], { timeoutMs: setupTimeoutMs });
    if (committed.exitCode !== 0) fail('committing the base commit in the sandbox (the image needs git)', describeResult(committed));
    for (const command of spec.setupCommands) {
      const expanded = expandCommand(command, { instanceId: instance.instanceId, ...(instance.version === undefined ? {} : { version: instance.version }) });
      const result = await session.exec(environmentShell(spec, expanded), { timeoutMs: setupTimeoutMs });
      if (result.exitCode !== 0) fail(`running the setup command \`${expanded}\``, describeResult(result));
    }
    // Every use must see the same state: what setup left in the scratch directories is gone after a reset.
    await session.exec(['sh', '-c', emptyScratchScript], { timeoutMs: 60_000, cwd: '/' });
  }

  function create(instance: SandboxInstance): EnvironmentInstanceSandbox {
    const spec = specFor(instance);
    const sessionSpec = (image: string): SandboxSpec => ({
      image,
      workdir: environmentWorkdir,
      ...(options.limits ? { limits: options.limits } : {}),
      labels: {
        ...options.labels,
        [instanceSandboxLabels.instanceId]: instance.instanceId,
        [instanceSandboxLabels.environment]: `${spec.kind}:${spec.repo}`,
      },
      env: sandboxEnvironment(spec),
    });
    const newPool = (image: string): InstanceSandboxPool =>
      createInstanceSandboxPool({
        instanceId: instance.instanceId,
        sandbox,
        spec: sessionSpec(image),
        prepare: (session) => prepare(instance, spec, session),
        maxSessions: options.sessionsPerInstance ?? 1,
        scratchDirectories: spec.kind === 'debian' ? scratchDirectories : ['/tmp', '/var/tmp'],
        // Official images ship /testbed as a repository; ours is committed in prepare.
        createRepository: false,
        snapshotTimeoutMs: setupTimeoutMs,
        // A fresh pool lends once: neither a snapshot nor a reset is ever needed.
        singleUse: isolation === 'fresh',
      });
    const totals: InstanceSandboxPoolStatistics = { sessionsOpened: 0, resets: 0, replacements: 0, uses: 0 };
    const freshPools = new Set<InstanceSandboxPool>();
    let pool: InstanceSandboxPool | undefined;
    let instanceClosed = false;
    const image = () => imageFor(instance, spec);

    const addTotals = (statistics: Readonly<InstanceSandboxPoolStatistics>): void => {
      totals.sessionsOpened += statistics.sessionsOpened;
      totals.resets += statistics.resets;
      totals.replacements += statistics.replacements;
      totals.uses += statistics.uses;
      if (statistics.lastResetFailure) totals.lastResetFailure = statistics.lastResetFailure;
    };

    const instanceSandbox: EnvironmentInstanceSandbox = {
      instanceId: instance.instanceId,
      spec,
      get statistics() {
        return pool ? { ...pool.statistics } : { ...totals };
      },
      image,
      async use<T>(fn: (session: SandboxSession) => Promise<T>): Promise<T> {
        const assertOpen = (): void => {
          if (instanceClosed || closed) throw new SandboxError(`The sandbox of ${instance.instanceId} was closed; ask the provider for a new one.`);
        };
        assertOpen();
        const { image: tag } = await image();
        // Closed while the image was being built: no container may be opened after close() returned.
        assertOpen();
        if (isolation === 'fresh') {
          const fresh = newPool(tag);
          freshPools.add(fresh);
          try {
            return await fresh.use(fn);
          } finally {
            freshPools.delete(fresh);
            await fresh.close();
            addTotals(fresh.statistics);
          }
        }
        pool ??= newPool(tag);
        return pool.use(fn);
      },
      async close(): Promise<void> {
        instanceClosed = true;
        if (sandboxes.get(instance.instanceId) === instanceSandbox) sandboxes.delete(instance.instanceId);
        await Promise.all([pool?.close(), ...[...freshPools].map((fresh) => fresh.close())]);
      },
    };
    return instanceSandbox;
  }

  return {
    sandboxFor(instance) {
      if (closed) throw new SandboxError('The instance sandbox provider is closed; create a new one.');
      let existing = sandboxes.get(instance.instanceId);
      if (!existing) {
        existing = create(instance);
        sandboxes.set(instance.instanceId, existing);
      }
      return existing;
    },
    specFor,
    async release(instanceId) {
      await sandboxes.get(instanceId)?.close();
    },
    get openInstances() {
      return [...sandboxes.keys()];
    },
    async close() {
      closed = true;
      await Promise.all([...sandboxes.values()].map((entry) => entry.close()));
    },
  };
}
