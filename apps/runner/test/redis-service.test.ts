import net from 'node:net';
import { expect, it } from 'vitest';
import { describeWhenAvailable, probeTcp } from '@codemonkeys/protocol/testkit';

const port = Number(process.env.CODEMONKEYS_REDIS_PORT ?? 6379);
const redis = await probeTcp('127.0.0.1', port);

describeWhenAvailable(`Redis on 127.0.0.1:${port} provisioned by scripts/setup-machine.sh`, redis, () => {
  it('answers PING', async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => socket.write('PING\r\n'));
      socket.once('data', (data) => {
        socket.end();
        resolve(data.toString());
      });
      socket.once('error', reject);
    });
    expect(reply).toBe('+PONG\r\n');
  });
});
