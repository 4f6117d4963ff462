import type { Logger, LogLevel } from '@codemonkeys/protocol';

const levelOrder: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** A logger whose lines go wherever `sink` points now (stderr first, the progress display once it runs), so that log lines never tear the bar. */
export interface ProgressLogger extends Logger {
  sink: (line: string) => void;
}

export function createProgressLogger(options: { level?: LogLevel } = {}): ProgressLogger {
  const threshold = levelOrder[options.level ?? 'warn'];
  const logger: ProgressLogger = {
    sink: (line) => void process.stderr.write(`${line}\n`),
    debug: (message, fields) => write('debug', message, fields),
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
  };
  function write(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    if (levelOrder[level] < threshold) return;
    const suffix = fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
    logger.sink(`${level} ${message}${suffix}`);
  }
  return logger;
}
