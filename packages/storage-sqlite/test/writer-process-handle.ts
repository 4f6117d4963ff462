import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';

/** The fixture writer running in its own Node process (TypeScript through tsx), with its stdout as lines. */
export interface WriterProcess {
  child: ChildProcess;
  lines: string[];
  /** Resolves with the first line (already printed or to come) that satisfies `predicate`. */
  waitForLine(predicate: (line: string) => boolean): Promise<string>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

export function startWriterProcess(args: string[]): WriterProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./fixtures/writer-process.ts', import.meta.url).pathname, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: Array<{ predicate: (line: string) => boolean; resolve: (line: string) => void }> = [];
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const waiter of [...waiters]) {
      if (waiter.predicate(line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
  return {
    child,
    lines,
    exit,
    waitForLine(predicate) {
      const seen = lines.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ predicate, resolve });
        void exit.then((result) => reject(new Error(`writer exited (${result.code ?? result.signal}) before the expected line; stderr:\n${result.stderr}`)));
      });
    },
  };
}
