import type { Logger } from '@codemonkeys/protocol';

/** A logger that keeps what it was told, for assertions on warnings. */
export function createCaptureLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, debug() {}, info() {}, warn: (message) => warnings.push(message), error: (message) => warnings.push(message) };
}
