/** Small SVG charts drawn on the server side, so that the HTML report needs no script and no network. */

export const seriesColors = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

export const escapeHtml = (text: string): string =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');

const round = (value: number): string => String(Math.round(value * 10) / 10);

export interface GroupedBarChartOptions {
  title: string;
  /** Groups along the x axis (e.g. metrics). */
  groups: readonly string[];
  /** Series (e.g. runs), each with one value per group (null: unknown). */
  series: ReadonlyArray<{ name: string; values: readonly (number | null)[] }>;
  /** Axis maximum (default: the largest value). */
  max?: number;
  format: (value: number) => string;
  width?: number;
  height?: number;
}

/** Splits a label into lines of about `width` characters at spaces (SVG text does not wrap). */
function wrapLabel(label: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of label.split(' ')) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + word.length <= width) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines.slice(0, 3);
}

/** Multi-line centred text: one tspan per line. */
function centredLines(lines: readonly string[], x: number, y: number, className: string): string {
  return `<text x="${round(x)}" y="${round(y)}" class="${className}" text-anchor="middle">${lines.map((line, index) => `<tspan x="${round(x)}" dy="${index === 0 ? 0 : 13}">${escapeHtml(line)}</tspan>`).join('')}</text>`;
}

function legend(series: ReadonlyArray<{ name: string }>, x: number, y: number): string {
  return series
    .map((entry, index) => {
      const top = y + index * 18;
      return `<rect x="${x}" y="${top}" width="12" height="12" fill="${seriesColors[index % seriesColors.length]}"/><text x="${x + 18}" y="${top + 10}" class="legend">${escapeHtml(entry.name)}</text>`;
    })
    .join('');
}

/** Vertical bars, one group per category, one bar per series; unknown values are marked "n/a". */
export function groupedBarChart(options: GroupedBarChartOptions): string {
  const width = options.width ?? 860;
  const legendHeight = options.series.length * 18 + 8;
  const height = options.height ?? 330 + legendHeight;
  // Room above the plot for the title and the value printed over a full-height bar.
  const margin = { top: 44, right: 16, bottom: 72 + legendHeight, left: 64 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const known = options.series.flatMap((entry) => entry.values.filter((value): value is number => value !== null && Number.isFinite(value)));
  // All zero or unknown (e.g. no prices configured): an axis to 1 rather than one of width 0.
  const largest = Math.max(0, ...known);
  const max = options.max ?? (largest > 0 ? largest : 1);
  const groupWidth = plotWidth / Math.max(1, options.groups.length);
  // Bars share 80% of their group, at most 64 px each (few groups would otherwise give slabs), centred.
  const barWidth = Math.max(4, Math.min(64, (groupWidth * 0.8) / Math.max(1, options.series.length)));
  const parts: string[] = [];
  for (let tick = 0; tick <= 4; tick += 1) {
    const value = (max * tick) / 4;
    const y = margin.top + plotHeight - (plotHeight * tick) / 4;
    parts.push(
      `<line x1="${margin.left}" x2="${width - margin.right}" y1="${round(y)}" y2="${round(y)}" class="grid"/><text x="${margin.left - 6}" y="${round(y + 4)}" class="tick" text-anchor="end">${escapeHtml(options.format(value))}</text>`,
    );
  }
  options.groups.forEach((group, groupIndex) => {
    const groupX = margin.left + groupIndex * groupWidth + (groupWidth - barWidth * options.series.length) / 2;
    options.series.forEach((entry, seriesIndex) => {
      const value = entry.values[groupIndex];
      const x = groupX + seriesIndex * barWidth;
      if (value === null || value === undefined || !Number.isFinite(value)) {
        parts.push(`<text x="${round(x + barWidth / 2)}" y="${round(margin.top + plotHeight - 4)}" class="na" text-anchor="middle">n/a</text>`);
        return;
      }
      const barHeight = Math.max(value > 0 ? 1 : 0, (plotHeight * Math.min(value, max)) / max);
      const y = margin.top + plotHeight - barHeight;
      parts.push(
        `<rect class="bar" data-series="${escapeHtml(entry.name)}" data-group="${escapeHtml(group)}" data-value="${value}" x="${round(x)}" y="${round(y)}" width="${round(barWidth - 2)}" height="${round(barHeight)}" fill="${seriesColors[seriesIndex % seriesColors.length]}"><title>${escapeHtml(`${entry.name} · ${group}: ${options.format(value)}`)}</title></rect>`,
      );
      // The value over the bar only where it fits (about 5.8 px a character at 10 px); the tooltip and the tables always have it.
      const label = options.format(value);
      if (label.length * 5.8 <= barWidth)
        parts.push(`<text x="${round(x + (barWidth - 2) / 2)}" y="${round(y - 3)}" class="value" text-anchor="middle">${escapeHtml(label)}</text>`);
    });
    parts.push(
      centredLines(wrapLabel(group, Math.max(8, Math.floor(groupWidth / 6.5))), margin.left + groupIndex * groupWidth + groupWidth / 2, margin.top + plotHeight + 16, 'group'),
    );
  });
  parts.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${margin.top + plotHeight}" y2="${margin.top + plotHeight}" class="axis"/>`);
  parts.push(legend(options.series, margin.left, margin.top + plotHeight + 52));
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(options.title)}"><text x="${margin.left}" y="18" class="title">${escapeHtml(options.title)}</text>${parts.join('')}</svg>`;
}

export interface StackedBarChartOptions {
  title: string;
  /** Bars (e.g. runs). */
  bars: readonly string[];
  /** Segments of every bar (e.g. stages), each with one value per bar. */
  segments: ReadonlyArray<{ name: string; values: readonly number[] }>;
  format: (value: number) => string;
  width?: number;
}

/** Horizontal bars split into segments (e.g. time per stage of each run). */
export function stackedBarChart(options: StackedBarChartOptions): string {
  const width = options.width ?? 860;
  const rowHeight = 28;
  const legendHeight = options.segments.length * 18 + 8;
  const margin = { top: 30, right: 80, bottom: 24 + legendHeight, left: 200 };
  const height = margin.top + options.bars.length * rowHeight + margin.bottom;
  const plotWidth = width - margin.left - margin.right;
  const totals = options.bars.map((_, barIndex) => options.segments.reduce((sum, segment) => sum + (segment.values[barIndex] ?? 0), 0));
  const max = Math.max(1e-9, ...totals);
  const parts: string[] = [];
  options.bars.forEach((bar, barIndex) => {
    const y = margin.top + barIndex * rowHeight;
    let x = margin.left;
    parts.push(`<text x="${margin.left - 8}" y="${y + rowHeight / 2 + 4}" class="group" text-anchor="end">${escapeHtml(bar.length > 28 ? `${bar.slice(0, 27)}…` : bar)}</text>`);
    options.segments.forEach((segment, segmentIndex) => {
      const value = segment.values[barIndex] ?? 0;
      if (value <= 0) return;
      const segmentWidth = (plotWidth * value) / max;
      parts.push(
        `<rect class="bar" data-series="${escapeHtml(segment.name)}" data-group="${escapeHtml(bar)}" data-value="${value}" x="${round(x)}" y="${y + 4}" width="${round(Math.max(1, segmentWidth))}" height="${rowHeight - 8}" fill="${seriesColors[segmentIndex % seriesColors.length]}"><title>${escapeHtml(`${bar} · ${segment.name}: ${options.format(value)}`)}</title></rect>`,
      );
      x += segmentWidth;
    });
    parts.push(`<text x="${round(x + 6)}" y="${y + rowHeight / 2 + 4}" class="value">${escapeHtml(options.format(totals[barIndex]!))}</text>`);
  });
  parts.push(legend(options.segments, margin.left, margin.top + options.bars.length * rowHeight + 16));
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(options.title)}"><text x="${margin.left}" y="18" class="title">${escapeHtml(options.title)}</text>${parts.join('')}</svg>`;
}
