import type Dockerode from 'dockerode';
import { dockerStatusCode, toSandboxError } from './docker-errors';
import { currentOwner, ownerLiveness, type OwnerIdentity } from './owner-identity';
import { ownerFromLabels, sandboxLabels } from './sandbox-labels';

export interface ReapResult {
  /** Names of the containers removed. */
  removed: string[];
  /** Containers kept because their owner still runs (or runs on another host and cannot be checked). */
  kept: number;
}

/**
 * Removes sandbox containers whose owning process is gone (a crashed or killed run). Several runs, test
 * processes and engineers share one daemon, so a container is removed only when its owner is provably
 * dead: same host, and either another boot or a pid that no longer runs the same process. Containers of
 * live processes, of other hosts and without owner labels are never touched.
 */
export async function reapLeftoverContainers(docker: Dockerode, daemon: string, self: OwnerIdentity = currentOwner()): Promise<ReapResult> {
  let containers: Dockerode.ContainerInfo[];
  try {
    containers = await docker.listContainers({ all: true, filters: { label: [`${sandboxLabels.sandbox}=1`] } });
  } catch (error) {
    throw toSandboxError(error, 'list sandbox containers', daemon);
  }
  const result: ReapResult = { removed: [], kept: 0 };
  for (const container of containers) {
    const owner = ownerFromLabels(container.Labels);
    if (!owner || ownerLiveness(owner, self) !== 'dead') {
      result.kept += 1;
      continue;
    }
    try {
      await docker.getContainer(container.Id).remove({ force: true, v: true });
      result.removed.push(container.Names[0]?.replace(/^\//, '') ?? container.Id);
    } catch (error) {
      const status = dockerStatusCode(error);
      // Another process reaped it at the same moment.
      if (status !== 404 && status !== 409) throw toSandboxError(error, `remove the leftover container ${container.Id}`, daemon);
    }
  }
  return result;
}
