import { describeWhenAvailable, runSandboxConformance } from '@codemonkeys/protocol/testkit';
import { createDockerSandbox, type DockerSandbox } from '../src/index';
import { baseImage, containersOf, dockerAvailability } from './support/docker-test-support';

describeWhenAvailable('Docker sandbox', await dockerAvailability(), () => {
  runSandboxConformance('docker', {
    create: () => createDockerSandbox({ labels: { 'codemonkeys.test': 'conformance' } }),
    spec: { image: baseImage, workdir: '/testbed' },
    listSessionIds: (sandbox) => containersOf(sandbox as DockerSandbox),
    missingImageSpec: { image: 'codemonkeys/no-such-image:never-built', workdir: '/testbed' },
  });
});
