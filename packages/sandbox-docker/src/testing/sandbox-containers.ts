import type { DockerSandbox } from '../docker-sandbox';

/** Ids of the containers (running or not) that `sandbox` created and that still exist: what tests check after `close()`. */
export async function containersOf(sandbox: DockerSandbox): Promise<string[]> {
  const containers = await sandbox.docker.listContainers({ all: true, filters: { label: [`${sandbox.instanceLabel.key}=${sandbox.instanceLabel.value}`] } });
  return containers.map((container) => container.Id);
}
