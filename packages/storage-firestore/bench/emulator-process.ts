// The emulator in its own process for the bench, so that it and the client do not share one thread.
import { startFirestoreEmulator } from '../src/testing/index';

const emulator = await startFirestoreEmulator();
process.stdout.write(`${emulator.host}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void emulator.stop().then(() => process.exit(0));
});
