// The loopback server in its own process, so that the benchmark measures the client, not the server
// competing with it for one event loop. Talks to the parent over IPC.
// The built package, as users run it (`npm run bench` builds first).
const { startLoopbackModelServer } = (await import('../dist/testing.js' as string)) as typeof import('../src/testing/index');

const latencyMs = Number(process.argv[2] ?? '20');
const server = await startLoopbackModelServer({ latencyMs, handler: () => 'ok' });
process.send?.({ type: 'ready', url: server.url });
let cpu = process.cpuUsage();
process.on('message', (message: { type: string }) => {
  if (message.type === 'stats') {
    const used = process.cpuUsage(cpu);
    process.send?.({ type: 'stats', requests: server.requestCount(), maxActiveRequests: server.maxActiveRequests, cpuMs: (used.user + used.system) / 1000 });
    server.reset();
    cpu = process.cpuUsage();
  }
  if (message.type === 'close') void server.close().then(() => process.exit(0));
});

export {};
