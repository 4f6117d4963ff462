export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Structured logging as plugins see it; the runner decides where it goes. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const levelOrder: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Writes `level message {fields}` lines to stderr at or above `level`. */
export function createConsoleLogger(options: { level?: LogLevel; prefix?: string } = {}): Logger {
  const threshold = levelOrder[options.level ?? 'info'];
  const write = (level: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    if (levelOrder[level] < threshold) return;
    const suffix = fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
    process.stderr.write(`${level}${options.prefix ? ` [${options.prefix}]` : ''} ${message}${suffix}\n`);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
