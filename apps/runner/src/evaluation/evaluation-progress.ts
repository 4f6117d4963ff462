import cliProgress from 'cli-progress';

export interface EvaluationProgress {
  /** A message above the bar (or a plain line). */
  log(message: string): void;
  /** One unit of work finished. */
  advance(line: string, counts: { resolved: number; failed: number }): void;
  stop(): void;
}

/**
 * Progress on stderr: a bar on a terminal, one plain line per finished item otherwise (logs, CI), so
 * stdout stays free for `--json`.
 */
export function createEvaluationProgress(options: { total: number; label: string; mode: 'auto' | 'bar' | 'lines'; stream?: NodeJS.WriteStream }): EvaluationProgress {
  const stream = options.stream ?? process.stderr;
  const useBar = options.mode === 'bar' || (options.mode === 'auto' && stream.isTTY === true);
  let done = 0;
  if (!useBar) {
    return {
      log: (message) => void stream.write(`${message}\n`),
      advance(line) {
        done += 1;
        stream.write(`[${done}/${options.total}] ${line}\n`);
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${options.label} |{bar}| {value}/{total} | resolved {resolved} | errors {failed} | {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 20,
      noTTYOutput: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(options.total, 0, { resolved: 0, failed: 0 });
  return {
    log(message) {
      bar.stop();
      stream.write(`${message}\n`);
      bar.start(options.total, done, {});
    },
    advance(_line, counts) {
      done += 1;
      bar.increment(1, counts);
    },
    stop() {
      bar.stop();
    },
  };
}
