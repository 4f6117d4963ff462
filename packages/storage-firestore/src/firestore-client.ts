import { Firestore } from '@google-cloud/firestore';
import { CodemonkeysError } from '@codemonkeys/protocol';

const loopbackHosts = new Map([
  ['127.0.0.1', '127.0.0.1'],
  ['localhost', '127.0.0.1'],
  ['::1', '[::1]'],
  ['[::1]', '[::1]'],
]);

/**
 * `host:port` of an emulator, with `localhost` pinned to 127.0.0.1. Only loopback hosts are accepted:
 * an emulator has no authentication, and pointing a client at another machine's is never intended.
 */
export function normalizeEmulatorHost(hostAndPort: string): string {
  const match = /^(\[[^\]]+\]|[^:]+|::1):(\d{1,5})$/.exec(hostAndPort.trim());
  const host = match && loopbackHosts.get(match[1]!.toLowerCase());
  if (!match || !host) {
    throw new CodemonkeysError(
      `Firestore emulator host "${hostAndPort}" is not a loopback host:port. ` +
        'Run the emulator on this machine and use 127.0.0.1:PORT (FIRESTORE_EMULATOR_HOST or emulatorHost).',
    );
  }
  return `${host}:${match[2]}`;
}

export interface FirestoreClientOptions {
  projectId: string;
  databaseId?: string;
  /** Emulator `host:port`; defaults to $FIRESTORE_EMULATOR_HOST. */
  emulatorHost?: string;
}

/**
 * A Firestore client. With an emulator host, the process environment is set first, before the client
 * exists: FIRESTORE_EMULATOR_HOST (which the client library obeys over any setting) pinned to loopback,
 * and METADATA_SERVER_DETECTION=none so that Google's auth library never probes for a cloud metadata
 * server (an emulator needs no credentials).
 */
export function createFirestoreClient(options: FirestoreClientOptions): Firestore {
  const emulatorHost = options.emulatorHost ?? process.env.FIRESTORE_EMULATOR_HOST;
  if (emulatorHost) {
    process.env.METADATA_SERVER_DETECTION = 'none';
    process.env.FIRESTORE_EMULATOR_HOST = normalizeEmulatorHost(emulatorHost);
  }
  return new Firestore({
    projectId: options.projectId,
    ...(options.databaseId ? { databaseId: options.databaseId } : {}),
    // gRPC: the emulator speaks only gRPC, and so the shipped transport is the tested one.
    preferRest: false,
  });
}
