import type { OwnerIdentity } from './owner-identity';
import { ownerKey } from './owner-identity';

/** Labels on every container and image this package creates; cleanup only ever touches these. */
export const sandboxLabels = {
  /** '1' on every sandbox container. */
  sandbox: 'codemonkeys.sandbox',
  /** The DockerSandbox instance that opened the container. */
  sandboxInstance: 'codemonkeys.sandbox.instance',
  owner: 'codemonkeys.owner',
  ownerHost: 'codemonkeys.owner.host',
  ownerBootId: 'codemonkeys.owner.boot-id',
  ownerPid: 'codemonkeys.owner.pid',
  ownerProcessStart: 'codemonkeys.owner.process-start',
  created: 'codemonkeys.created',
  /** '1' on every image built or imported here. */
  image: 'codemonkeys.image',
  /** Hash of what an image was built from, so that `ensure` rebuilds when the definition changes. */
  imageDefinition: 'codemonkeys.image.definition',
} as const;

export function ownerLabels(owner: OwnerIdentity): Record<string, string> {
  return {
    [sandboxLabels.owner]: ownerKey(owner),
    [sandboxLabels.ownerHost]: owner.host,
    [sandboxLabels.ownerBootId]: owner.bootId,
    [sandboxLabels.ownerPid]: String(owner.pid),
    [sandboxLabels.ownerProcessStart]: owner.processStart,
  };
}

/** The owner recorded on a container, or undefined when its labels are incomplete. */
export function ownerFromLabels(labels: Record<string, string> | undefined): OwnerIdentity | undefined {
  const host = labels?.[sandboxLabels.ownerHost];
  const bootId = labels?.[sandboxLabels.ownerBootId];
  const pid = Number(labels?.[sandboxLabels.ownerPid]);
  if (!host || !bootId || !Number.isInteger(pid) || pid <= 0) return undefined;
  return { host, bootId, pid, processStart: labels?.[sandboxLabels.ownerProcessStart] ?? '' };
}
