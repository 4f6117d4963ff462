import http from 'node:http';
import { expect, it } from 'vitest';
import { describeWhenAvailable } from '@codemonkeys/protocol/testkit';

const socketPath = process.env.DOCKER_SOCKET ?? '/var/run/docker.sock';
const baseImage = 'codemonkeys/base:bookworm';

function dockerGet(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get({ socketPath, path, timeout: 2000 }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.on('timeout', () => request.destroy(new Error('timeout')));
  });
}

const daemon = await dockerGet('/_ping').then(
  (response) => (response.body === 'OK' ? { available: true } : { available: false, reason: `docker answered ${response.status}` }),
  (error: Error) => ({ available: false, reason: `no Docker daemon on ${socketPath} (${error.message}); run scripts/setup-machine.sh` }),
);

describeWhenAvailable('Docker daemon provisioned by scripts/setup-machine.sh', daemon, () => {
  it('has the offline sandbox base image', async () => {
    const image = await dockerGet(`/images/${encodeURIComponent(baseImage)}/json`);
    expect(image.status, `${baseImage} is missing: run scripts/build-base-image.sh`).toBe(200);
    expect((JSON.parse(image.body) as { Config: { Cmd: string[] } }).Config.Cmd).toEqual(['/bin/sh']);
  });
});
