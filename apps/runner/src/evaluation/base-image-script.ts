import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const scriptName = path.join('scripts', 'build-base-image.sh');

/**
 * The checkout's `scripts/build-base-image.sh` (looked up from this module upwards), or the file named by
 * `CODEMONKEYS_BUILD_BASE_IMAGE_SCRIPT`; undefined for an installed runner without a checkout.
 */
export function findBaseImageScript(): string | undefined {
  const configured = process.env.CODEMONKEYS_BUILD_BASE_IMAGE_SCRIPT;
  if (configured) return fs.existsSync(configured) ? path.resolve(configured) : undefined;
  let directory = path.dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6; depth += 1) {
    const candidate = path.join(directory, scriptName);
    if (fs.existsSync(candidate)) return candidate;
    directory = path.dirname(directory);
  }
  return undefined;
}

/** Runs the script for one Debian release; its output goes to `onLine`, its failure to the error. */
export function runBaseImageScript(script: string, suite: string, image: string, onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script, suite, image], { stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const collect = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        onLine(line);
        tail.push(line);
        if (tail.length > 40) tail.shift();
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${script} ${suite} exited with ${code}:\n${tail.join('\n')}`))));
  });
}
