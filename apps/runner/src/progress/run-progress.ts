import cliProgress from 'cli-progress';
import type { StageObserver } from '../execution/stage-runner';

export type ProgressMode = 'auto' | 'bar' | 'lines';

export interface ProgressTotals {
  tokens: number;
  costUsd: number;
  endpointRequests: number;
  cacheHits: number;
}

export interface RunProgressOptions {
  /** (instance × run) items. */
  total: number;
  mode: ProgressMode;
  stream?: NodeJS.WriteStream;
  /** Model usage so far (polled for the display). */
  totals: () => ProgressTotals;
}

/** What one finished item says on a line. */
export interface FinishedItem {
  label: string;
  instanceId: string;
  status: 'done' | 'reused' | 'failed' | 'partial' | 'stopped';
  detail: string;
}

/** Instances done, stages in flight, tokens, cost and ETA: a bar on a terminal, plain lines otherwise (stderr). */
export interface RunProgress extends StageObserver {
  log(message: string): void;
  itemFinished(item: FinishedItem): void;
  stop(): void;
}

const stageOrder = ['localize', 'generate', 'select'];

function stagesInFlight(active: Map<string, number>): string {
  const parts: string[] = [];
  const grouped = new Map<string, number>();
  for (const [stage, count] of active) {
    if (count <= 0) continue;
    // localize.0 and localize.1 count as localize; rewards:generate as rewards.
    const name = stage.startsWith('rewards:') ? 'rewards' : stage.split('.')[0]!;
    grouped.set(name, (grouped.get(name) ?? 0) + count);
  }
  const names = [...grouped.keys()].sort((a, b) => ((stageOrder.indexOf(a) + 100) % 100) - ((stageOrder.indexOf(b) + 100) % 100) || a.localeCompare(b));
  for (const name of names) parts.push(`${name} ${grouped.get(name)}`);
  return parts.length > 0 ? parts.join(' · ') : 'idle';
}

const formatTokens = (tokens: number): string => (tokens >= 1e6 ? `${(tokens / 1e6).toFixed(2)}M` : tokens >= 1e4 ? `${(tokens / 1e3).toFixed(1)}k` : String(tokens));

export function createRunProgress(options: RunProgressOptions): RunProgress {
  const stream = options.stream ?? process.stderr;
  const useBar = options.mode === 'bar' || (options.mode === 'auto' && stream.isTTY === true);
  const active = new Map<string, number>();
  const counts = { done: 0, reused: 0, failed: 0, partial: 0, stopped: 0 };
  let finished = 0;
  const started = Date.now();
  const payload = () => {
    const totals = options.totals();
    return {
      stages: stagesInFlight(active),
      tokens: formatTokens(totals.tokens),
      cost: totals.costUsd.toFixed(4),
      calls: totals.endpointRequests,
      failed: counts.failed + counts.partial,
    };
  };
  const observer: StageObserver = {
    stageStarted(stage) {
      active.set(stage, (active.get(stage) ?? 0) + 1);
    },
    stageFinished(stage) {
      active.set(stage, (active.get(stage) ?? 1) - 1);
    },
  };

  if (!useBar) {
    return {
      ...observer,
      log: (message) => void stream.write(`${message}\n`),
      itemFinished(item) {
        finished += 1;
        counts[item.status] += 1;
        const totals = options.totals();
        const elapsed = (Date.now() - started) / 1000;
        const eta =
          finished > counts.reused && finished < options.total ? ` · eta ${Math.round(((options.total - finished) * elapsed) / Math.max(1, finished - counts.reused))} s` : '';
        stream.write(
          `[${finished}/${options.total}] ${item.label} ${item.instanceId}: ${item.status}${item.detail ? ` — ${item.detail}` : ''} (${formatTokens(totals.tokens)} tokens, $${totals.costUsd.toFixed(4)}${eta})\n`,
        );
      },
      stop() {},
    };
  }

  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: 'instances |{bar}| {value}/{total} | {stages} | {tokens} tokens | ${cost} | {calls} calls | failed {failed} | ETA {eta_formatted}',
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
      fps: 4,
      noTTYOutput: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(options.total, 0, payload());
  // Tokens and stages change between finished instances: refresh them every second.
  const timer = setInterval(() => bar.update(payload()), 1000);
  timer.unref();
  return {
    stageStarted(stage) {
      observer.stageStarted(stage);
    },
    stageFinished(stage, status) {
      observer.stageFinished(stage, status);
    },
    log(message) {
      bar.stop();
      stream.write(`${message}\n`);
      bar.start(options.total, finished, payload());
    },
    itemFinished(item) {
      finished += 1;
      counts[item.status] += 1;
      if (item.status === 'failed' || item.status === 'partial') {
        bar.stop();
        stream.write(`${item.label} ${item.instanceId}: ${item.status} — ${item.detail}\n`);
        bar.start(options.total, finished, payload());
      } else {
        bar.update(finished, payload());
      }
    },
    stop() {
      clearInterval(timer);
      bar.update(finished, payload());
      bar.stop();
    },
  };
}
