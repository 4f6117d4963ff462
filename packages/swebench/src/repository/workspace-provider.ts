import { NotFoundError, type Instance } from '@codemonkeys/protocol';
import { createRepositoryCache, type RepositoryCache, type RepositoryCacheOptions } from './repository-cache';
import { openRepositoryWorkspace, type RepositoryWorkspace } from './repository-workspace';

export interface WorkspaceProviderOptions extends RepositoryCacheOptions {
  /** The instances served, or a lookup by id (e.g. over a loaded dataset). */
  instances: readonly Instance[] | ((instanceId: string) => Instance | undefined | Promise<Instance | undefined>);
  /** Use this cache instead of creating one (then `close()` leaves it open). */
  cache?: RepositoryCache;
}

/** Serves `context.workspace(instanceId)`: the repository of each instance at its base commit. */
export interface WorkspaceProvider {
  readonly cache: RepositoryCache;
  workspace(instanceId: string): Promise<RepositoryWorkspace>;
  close(): Promise<void>;
}

/**
 * Workspaces for instances, backed by one repository cache: the mirror is cloned from the instance's
 * repository (a URL, or a local clone named in `repositorySources`), and each instance's workspace is
 * created once and shared.
 */
export function createWorkspaceProvider(options: WorkspaceProviderOptions): WorkspaceProvider {
  const cache = options.cache ?? createRepositoryCache(options);
  const ownsCache = options.cache === undefined;
  const byId = Array.isArray(options.instances) ? new Map((options.instances as readonly Instance[]).map((instance) => [instance.instanceId, instance])) : undefined;
  const lookup = async (instanceId: string): Promise<Instance | undefined> =>
    byId ? byId.get(instanceId) : (options.instances as (id: string) => Instance | undefined | Promise<Instance | undefined>)(instanceId);
  const workspaces = new Map<string, Promise<RepositoryWorkspace>>();
  return {
    cache,
    workspace(instanceId) {
      let pending = workspaces.get(instanceId);
      if (!pending) {
        pending = (async () => {
          const instance = await lookup(instanceId);
          if (!instance) throw new NotFoundError(`No instance "${instanceId}" is known to the workspace provider. Check the dataset and the instance id.`);
          return openRepositoryWorkspace({ instanceId, repo: instance.repo, commit: instance.baseCommit, cache });
        })();
        pending.catch(() => workspaces.delete(instanceId));
        workspaces.set(instanceId, pending);
      }
      return pending;
    },
    async close() {
      workspaces.clear();
      if (ownsCache) await cache.close();
    },
  };
}
