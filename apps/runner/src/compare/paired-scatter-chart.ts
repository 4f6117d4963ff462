import { escapeHtml } from '../report/svg-charts';

export interface PairedScatterOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** (A, B) per instance. */
  points: ReadonlyArray<readonly [number, number]>;
  width?: number;
}

const round = (value: number): string => String(Math.round(value * 10) / 10);

/**
 * One dot per instance at (A's value, B's value), with the diagonal y = x: dots above it are instances
 * where B scored higher. Equal pairs overlap, so the dot's opacity adds up where many instances agree.
 */
export function pairedScatterChart(options: PairedScatterOptions): string {
  const size = options.width ?? 420;
  const margin = { top: 36, right: 16, bottom: 44, left: 56 };
  const plot = size - margin.left - margin.right;
  const values = options.points.flat();
  const low = Math.min(0, ...values);
  const high = Math.max(1, ...values);
  const span = high - low || 1;
  const x = (value: number): number => margin.left + ((value - low) / span) * plot;
  const y = (value: number): number => margin.top + plot - ((value - low) / span) * plot;
  const parts: string[] = [];
  for (let tick = 0; tick <= 4; tick += 1) {
    const value = low + (span * tick) / 4;
    parts.push(
      `<line x1="${round(x(value))}" x2="${round(x(value))}" y1="${margin.top}" y2="${margin.top + plot}" class="grid"/><line x1="${margin.left}" x2="${margin.left + plot}" y1="${round(y(value))}" y2="${round(y(value))}" class="grid"/>`,
      `<text x="${round(x(value))}" y="${margin.top + plot + 14}" class="tick" text-anchor="middle">${value.toFixed(2)}</text><text x="${margin.left - 6}" y="${round(y(value) + 4)}" class="tick" text-anchor="end">${value.toFixed(2)}</text>`,
    );
  }
  parts.push(`<line x1="${round(x(low))}" y1="${round(y(low))}" x2="${round(x(high))}" y2="${round(y(high))}" class="axis" stroke-dasharray="4 3"/>`);
  for (const [a, b] of options.points)
    parts.push(`<circle class="point" cx="${round(x(a))}" cy="${round(y(b))}" r="3" fill="${b > a ? '#59a14f' : b < a ? '#e15759' : '#4e79a7'}" fill-opacity="0.45"/>`);
  parts.push(
    `<text x="${margin.left + plot / 2}" y="${size - 8}" class="group" text-anchor="middle">${escapeHtml(options.xLabel)}</text>`,
    `<text x="14" y="${margin.top + plot / 2}" class="group" text-anchor="middle" transform="rotate(-90 14 ${margin.top + plot / 2})">${escapeHtml(options.yLabel)}</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size} ${size}" width="${size}" height="${size}" role="img" aria-label="${escapeHtml(options.title)}"><text x="${margin.left}" y="18" class="title">${escapeHtml(options.title)}</text>${parts.join('')}</svg>`;
}
