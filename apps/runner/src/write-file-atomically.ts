import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';

/**
 * Writes `file` through a temporary file of this writer alone (pid and a random part) and a rename, so a
 * reader never sees half a file and two processes writing the same file (two `run`s on one output
 * folder) never rename each other's temporary file away: the last rename wins, whole.
 */
export async function writeFileAtomically(file: string, content: string): Promise<void> {
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await fs.writeFile(temporary, content);
    await fs.rename(temporary, file);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
}
