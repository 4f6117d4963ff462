// Run as a child process by docker-sandbox.test.ts: archive and file uploads, and reads of a file and of a
// directory, through one session. Once the session and the sandbox are closed, nothing of them may keep
// the process alive: the test checks that this script exits by itself.
import { createDockerSandbox } from '../../src/index';

const [image, label] = process.argv.slice(2) as [string, string];
const sandbox = await createDockerSandbox({ labels: { 'codemonkeys.test': label }, reapOnStart: false });
const session = await sandbox.open({ image, workdir: '/testbed' });
const archive = async function* () {
  const { packFiles } = await import('../../src/tar-archives');
  for await (const chunk of packFiles([{ name: 'streamed.txt', content: 'streamed\n' }])) yield chunk as Uint8Array;
};
for (let upload = 0; upload < 4; upload += 1) {
  await session.putArchive(archive(), `/testbed/archive-${upload}`);
  await session.putFiles([{ path: `file-${upload}.txt`, content: String(upload) }]);
}
await session.readFile('archive-0/streamed.txt');
await session.readFile('/usr/lib').catch(() => undefined);
await session.close();
await sandbox.close();
console.log('closed');
