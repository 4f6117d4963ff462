import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { GitCommandError } from '../git/git-command-error';

interface PendingRequest {
  name: string;
  resolve: (content: Buffer | undefined) => void;
  reject: (error: Error) => void;
}

/**
 * Reads blobs from a repository through one long-lived `git cat-file --batch` process: a file costs a
 * line written and read instead of a process started, which is what makes outlining thousands of
 * files of a commit cheap. Nothing is checked out, and paths resolve inside git's tree objects, so a
 * read can never reach outside the repository. The process is unref'd while idle, so an open reader
 * never keeps Node running.
 */
export class GitObjectReader {
  private child: ChildProcessWithoutNullStreams | undefined;
  private buffer: Buffer = Buffer.alloc(0);
  private readonly queue: PendingRequest[] = [];
  private closed = false;

  constructor(private readonly gitDirectory: string) {}

  /** The content of `revision:path` (or any object name), or undefined when it does not exist or is not a blob. */
  read(objectName: string): Promise<Buffer | undefined> {
    if (this.closed) return Promise.reject(new Error(`The object reader of ${this.gitDirectory} is closed.`));
    if (/[\n\r]/.test(objectName)) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const child = this.start();
      this.queue.push({ name: objectName, resolve, reject });
      this.setReferenced(true);
      child.stdin.write(`${objectName}\n`);
    });
  }

  close(): void {
    this.closed = true;
    this.child?.stdin.end();
    this.child?.kill();
    this.child = undefined;
    for (const request of this.queue.splice(0)) request.reject(new Error('The object reader was closed.'));
  }

  private setReferenced(referenced: boolean): void {
    const child = this.child;
    if (!child) return;
    const handles = [child, child.stdout, child.stdin, child.stderr] as unknown as { ref?: () => void; unref?: () => void }[];
    for (const handle of handles) (referenced ? handle.ref : handle.unref)?.call(handle);
  }

  private start(): ChildProcessWithoutNullStreams {
    if (this.child) return this.child;
    const child = spawn('git', ['--git-dir', this.gitDirectory, 'cat-file', '--batch'], {
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.stdout.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
      this.drain();
    });
    const fail = (error: Error): void => {
      if (this.child === child) this.child = undefined;
      this.buffer = Buffer.alloc(0);
      for (const request of this.queue.splice(0)) request.reject(error);
    };
    child.on('error', (error) =>
      fail(new GitCommandError({ command: ['git', 'cat-file', '--batch'], cwd: this.gitDirectory, exitCode: null, stderr: error.message, cause: error })),
    );
    child.on('close', (code) => {
      if (this.queue.length > 0) fail(new GitCommandError({ command: ['git', 'cat-file', '--batch'], cwd: this.gitDirectory, exitCode: code, stderr }));
      else if (this.child === child) this.child = undefined;
    });
    child.stdin.on('error', () => undefined);
    this.child = child;
    return child;
  }

  private drain(): void {
    for (;;) {
      const request = this.queue[0];
      if (!request) {
        this.setReferenced(false);
        return;
      }
      const newline = this.buffer.indexOf(10);
      if (newline === -1) return;
      const header = this.buffer.subarray(0, newline).toString('utf8');
      if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
        this.buffer = this.buffer.subarray(newline + 1);
        this.queue.shift();
        request.resolve(undefined);
        continue;
      }
      const match = /^[0-9a-f]+ (\w+) (\d+)$/.exec(header);
      if (!match) {
        this.queue.shift();
        request.reject(new Error(`Unexpected output from git cat-file for "${request.name}": ${header}`));
        continue;
      }
      const size = Number(match[2]);
      if (this.buffer.length < newline + 1 + size + 1) return;
      const content = this.buffer.subarray(newline + 1, newline + 1 + size);
      this.buffer = this.buffer.subarray(newline + 1 + size + 1);
      this.queue.shift();
      request.resolve(match[1] === 'blob' ? Buffer.from(content) : undefined);
    }
  }
}
