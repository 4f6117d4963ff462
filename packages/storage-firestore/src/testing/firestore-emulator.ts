import { createRequire } from 'node:module';
import { FirestoreServer } from '@firestore-emulator/server';

/** A Firestore emulator (`@firestore-emulator/server`) running in this process, for tests and benches. */
export interface FirestoreEmulator {
  /** `127.0.0.1:PORT`: what FIRESTORE_EMULATOR_HOST is set to. */
  readonly host: string;
  readonly port: number;
  /** Every document the emulator holds, as JSON text (to search stored bytes for secrets, say). */
  storedText(): string;
  stop(): Promise<void>;
}

interface GrpcServer {
  bindAsync(address: string, credentials: unknown, callback: (error: Error | null, port: number) => void): void;
}

/**
 * Starts the emulator on an ephemeral port of 127.0.0.1 only (its own `start` binds every interface),
 * and sets METADATA_SERVER_DETECTION=none and FIRESTORE_EMULATOR_HOST for the Firestore clients this
 * process creates afterwards.
 */
export async function startFirestoreEmulator(): Promise<FirestoreEmulator> {
  process.env.METADATA_SERVER_DETECTION = 'none';
  const emulator = new FirestoreServer();
  // Bind through the emulator's own gRPC server, with credentials from its own copy of grpc-js.
  const server = (emulator as unknown as { server?: GrpcServer }).server;
  if (!server || typeof server.bindAsync !== 'function') {
    throw new Error('@firestore-emulator/server changed its internals: cannot bind it to 127.0.0.1 only. Pin the version this package was tested with (0.3.x).');
  }
  const requireFromEmulator = createRequire(createRequire(import.meta.url).resolve('@firestore-emulator/server'));
  const { ServerCredentials } = requireFromEmulator('@grpc/grpc-js') as { ServerCredentials: { createInsecure(): unknown } };
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, boundPort) => (error ? reject(error) : resolve(boundPort)));
  });
  const host = `127.0.0.1:${port}`;
  process.env.FIRESTORE_EMULATOR_HOST = host;
  return {
    host,
    port,
    storedText: () => JSON.stringify(emulator.state.toJSON()),
    async stop() {
      emulator.stop();
    },
  };
}
