import { spawn } from 'node:child_process';
import { describeWhenAvailable } from '@codemonkeys/protocol/testkit';
import Dockerode from 'dockerode';
import { afterAll, expect, it } from 'vitest';
import { createDockerSandbox, currentOwner, reapLeftoverContainers, sandboxLabels, type OwnerIdentity } from '../src/index';
import { readProcessStart } from '../src/owner-identity';
import { ownerLabels } from '../src/sandbox-labels';
import { baseImage, dockerAvailability } from './support/docker-test-support';

const docker = new Dockerode();
const testLabel = `codemonkeys.test.reap=${process.pid}-${Date.now()}`;

/** A created (not started) container labelled as a sandbox of `owner`. */
async function leftover(name: string, owner: OwnerIdentity | undefined): Promise<string> {
  const [key, value] = testLabel.split('=') as [string, string];
  const container = await docker.createContainer({
    Image: baseImage,
    Cmd: ['true'],
    Labels: { [sandboxLabels.sandbox]: '1', [key]: value, 'codemonkeys.test.case': name, ...(owner ? ownerLabels(owner) : {}) },
    HostConfig: { NetworkMode: 'none' },
  });
  return container.id;
}

async function remaining(): Promise<string[]> {
  const containers = await docker.listContainers({ all: true, filters: { label: [testLabel] } });
  return containers.map((container) => container.Labels['codemonkeys.test.case']!).sort();
}

/** A child process that runs until killed, and its identity. */
async function childProcess(): Promise<{ owner: OwnerIdentity; stop(): Promise<void> }> {
  const child = spawn('sleep', ['120'], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('spawn', resolve));
  const owner = { ...currentOwner(), pid: child.pid!, processStart: readProcessStart(child.pid!) ?? '' };
  return {
    owner,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}

describeWhenAvailable('reaping leftover containers (real daemon)', await dockerAvailability(), () => {
  afterAll(async () => {
    for (const container of await docker.listContainers({ all: true, filters: { label: [testLabel] } })) {
      await docker.getContainer(container.Id).remove({ force: true });
    }
    expect(await remaining()).toEqual([]);
  });

  it('removes containers of dead owners only, never a live process’s or another host’s', async () => {
    const dead = await childProcess();
    await dead.stop();
    const live = await childProcess();
    try {
      expect(live.owner.processStart).not.toBe('');
      await leftover('dead owner', dead.owner);
      await leftover('rebooted since', { ...live.owner, bootId: 'a-boot-before-this-one' });
      await leftover('pid reused by another process', { ...live.owner, processStart: String(Number(live.owner.processStart) - 1) });
      await leftover('live owner', live.owner);
      await leftover('this process', currentOwner());
      await leftover('another host', { ...dead.owner, host: 'another-host-sharing-the-daemon' });
      await leftover('no owner labels', undefined);

      const result = await reapLeftoverContainers(docker, 'the test daemon');
      expect(result.removed.length).toBeGreaterThanOrEqual(3);
      expect(await remaining()).toEqual(['another host', 'live owner', 'no owner labels', 'this process']);

      // Creating a sandbox reaps too, once the owner is gone.
      await live.stop();
      const sandbox = await createDockerSandbox();
      await sandbox.close();
      expect(await remaining()).toEqual(['another host', 'no owner labels', 'this process']);
    } finally {
      await live.stop();
    }
  }, 60_000);
});
