import cliProgress from 'cli-progress';

export interface EvaluationProgress {
  /** A message above the bar (or a plain line). */
  log(message: string): void;
  /** One unit of work started (`name`: which, e.g. the instance id); it runs until `advance` names it. */
  started(name: string): void;
  /** One unit of work finished (`name`: the one `started` was given, if any). */
  advance(line: string, counts: { resolved: number; failed: number }, name?: string): void;
  stop(): void;
}

/**
 * Progress on stderr: a bar on a terminal (with what is running), one plain line per started and per
 * finished item otherwise (logs, CI), so stdout stays free for `--json`.
 */
export function createEvaluationProgress(options: { total: number; label: string; mode: 'auto' | 'bar' | 'lines'; stream?: NodeJS.WriteStream }): EvaluationProgress {
  const stream = options.stream ?? process.stderr;
  const useBar = options.mode === 'bar' || (options.mode === 'auto' && stream.isTTY === true);
  let done = 0;
  const running: string[] = [];
  const finish = (name: string | undefined): void => {
    const index = name === undefined ? -1 : running.indexOf(name);
    if (index >= 0) running.splice(index, 1);
  };
  const runningText = (): string => {
    const text = running.join(', ');
    return text.length > 60 ? `${text.slice(0, 59)}…` : text;
  };
  if (!useBar) {
    return {
      log: (message) => void stream.write(`${message}\n`),
      started(name) {
        running.push(name);
        stream.write(`started ${name} (${running.length} running)\n`);
      },
      advance(line, _counts, name) {
        done += 1;
        finish(name);
        stream.write(`[${done}/${options.total}] ${line}\n`);
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${options.label} |{bar}| {value}/{total} | resolved {resolved} | errors {failed} | {eta_formatted} | {running}`,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 20,
      noTTYOutput: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(options.total, 0, { resolved: 0, failed: 0, running: '' });
  return {
    log(message) {
      bar.stop();
      stream.write(`${message}\n`);
      bar.start(options.total, done, {});
    },
    started(name) {
      running.push(name);
      bar.update(done, { running: runningText() });
    },
    advance(_line, counts, name) {
      done += 1;
      finish(name);
      bar.increment(1, { ...counts, running: runningText() });
    },
    stop() {
      bar.stop();
    },
  };
}
