/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import fs from 'node:fs';
import path from 'node:path';
import { describeWhenAvailable } from '@codemonkeys/protocol/testkit';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunReport } from '../src/report/collect-run-report';
import { cliPath, createScriptedSetup, runCli, type ScriptedSetup } from './support/scripted-experiment';

/**
 * The HTML report of two real runs (an ablation over the number of candidates: scripted loopback model,
 * the example instances, SQLite, no sandbox) rendered by the built CLI and opened in Debian's headless
 * Chromium: no console or page error, no request leaving the file, charts drawn with the runs' figures,
 * and a screenshot whose pixels show the bars.
 */

function findChromium(): string | undefined {
  const candidates = [
    process.env.CODEMONKEYS_CHROMIUM,
    ...(process.env.PATH ?? '').split(path.delimiter).flatMap((folder) => [path.join(folder, 'chromium'), path.join(folder, 'chromium-browser')]),
  ];
  return candidates.find((candidate): candidate is string => !!candidate && fs.existsSync(candidate));
}

const chromiumPath = findChromium();

interface JsonReport {
  runs: RunReport[];
}

interface DrawnBar {
  chart: string;
  series: string;
  group: string;
  value: number;
  fill: string;
  box: { x: number; y: number; width: number; height: number };
  /** The plot's vertical extent in page pixels (grouped charts): top grid line to axis. */
  plot: { top: number; bottom: number } | null;
}

async function drawnBars(page: Page): Promise<DrawnBar[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('figure')].flatMap((figure) =>
      [...figure.querySelectorAll('svg')].flatMap((svg) => {
        const grid = [...svg.querySelectorAll('line.grid')].map((line) => line.getBoundingClientRect().top);
        const axis = svg.querySelector('line.axis')?.getBoundingClientRect().top;
        const plot = grid.length > 0 && axis !== undefined ? { top: Math.min(...grid), bottom: axis } : null;
        return [...svg.querySelectorAll('rect.bar')].map((rect) => {
          const box = rect.getBoundingClientRect();
          return {
            chart: `${figure.id} ${svg.getAttribute('aria-label')}`,
            series: rect.getAttribute('data-series')!,
            group: rect.getAttribute('data-group')!,
            value: Number(rect.getAttribute('data-value')),
            fill: rect.getAttribute('fill')!,
            box: { x: box.x + window.scrollX, y: box.y + window.scrollY, width: box.width, height: box.height },
            plot: plot && { top: plot.top + window.scrollY, bottom: plot.bottom + window.scrollY },
          };
        });
      }),
    ),
  );
}

const hexToRgb = (hex: string): [number, number, number] => [1, 3, 5].map((start) => parseInt(hex.slice(start, start + 2), 16)) as [number, number, number];

describeWhenAvailable(
  'the HTML report in headless Chromium',
  chromiumPath ? { available: true } : { available: false, reason: "no chromium on PATH: install Debian's chromium (bash scripts/setup-machine.sh does)" },
  () => {
    let setup: ScriptedSetup;
    let browser: Browser;
    let page: Page;
    let report: JsonReport;
    let htmlFile: string;
    const consoleErrors: string[] = [];
    const pageErrors: string[] = [];
    const requested: string[] = [];
    const refused: string[] = [];

    beforeAll(async () => {
      if (!fs.existsSync(cliPath)) throw new Error(`${cliPath} is missing: build the runner first (cd apps/runner && npx tsup)`);
      setup = await createScriptedSetup();
      const storage = `sqlite:${path.join(setup.directory, 'runs.db')}`;
      const config = setup.writeConfig('ablation.json', { storage, output: path.join(setup.directory, 'out'), localizer: 'embedding' });
      const run = await runCli(['run', config, '--vary', 'generator.samples=1,3', '--progress', 'lines', '--json'], { cwd: setup.directory });
      expect(run.stderr).not.toMatch(/failed/);
      expect(run.code).toBe(0);
      const experimentId = (JSON.parse(run.stdout) as { experimentId: string }).experimentId;

      htmlFile = path.join(setup.directory, 'reports', 'ablation.html');
      const html = await runCli(['report', '--experiment', experimentId, '--storage', storage, '--output', htmlFile], { cwd: setup.directory });
      expect(html.stderr).toContain(`wrote ${htmlFile}`);
      expect(html.code).toBe(0);
      const json = await runCli(['report', '--experiment', experimentId, '--storage', storage, '--format', 'json'], { cwd: setup.directory });
      expect(json.code).toBe(0);
      report = JSON.parse(json.stdout) as JsonReport;

      browser = await chromium.launch({ executablePath: chromiumPath!, args: ['--no-sandbox'] });
      page = await browser.newPage({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 1 });
      page.on('console', (message) => {
        if (message.type() === 'error') consoleErrors.push(message.text());
      });
      page.on('pageerror', (error) => pageErrors.push(error.message));
      // Self-contained: the page itself (file:) and data: URLs only; anything else is refused and recorded.
      await page.route('**/*', (route) => {
        const url = route.request().url();
        requested.push(url);
        if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
        refused.push(url);
        return route.abort();
      });
      await page.goto(`file://${htmlFile}`, { waitUntil: 'load' });
    }, 90_000);

    afterAll(async () => {
      await browser?.close();
      await setup?.close();
    });

    it('renders two runs of the ablation, in the order of the sweep', () => {
      expect(report.runs.map((run) => run.label)).toEqual(['generator.samples=1', 'generator.samples=3']);
      expect(report.runs.map((run) => run.scorecard.stages.generation.samples)).toEqual([setup.dataset.instances.length, 3 * setup.dataset.instances.length]);
    });

    it('opens with no console error, no page error and no request beyond the file itself', async () => {
      expect(await page.title()).toBe('codemonkeys: 2 runs side by side');
      expect(consoleErrors).toEqual([]);
      expect(pageErrors).toEqual([]);
      expect(refused).toEqual([]);
      expect(requested.filter((url) => url.startsWith('file:'))).toEqual([`file://${htmlFile}`]);
    });

    it("draws every chart with a visible box, and bars whose values are the runs' figures", async () => {
      for (const id of ['chart-scores', 'chart-similarity', 'chart-cost', 'chart-time']) {
        const boxes = await page
          .locator(`#${id} svg`)
          .evaluateAll((svgs) => svgs.map((svg) => svg.getBoundingClientRect()).map((box) => ({ width: box.width, height: box.height })));
        expect(boxes.length, id).toBeGreaterThan(0);
        for (const box of boxes) expect(box.width * box.height, id).toBeGreaterThan(10_000);
      }
      const bars = await drawnBars(page);
      const [first, second] = report.runs;
      const expectations: Array<{ chart: string; group: string; value: (run: RunReport) => number | null }> = [
        { chart: 'chart-scores', group: 'gold-line recall', value: (run) => run.scorecard.headline.goldLineRecall },
        { chart: 'chart-scores', group: 'file recall (all)', value: (run) => run.scorecard.headline.fileRecallAll },
        { chart: 'chart-similarity', group: 'similarity (Levenshtein)', value: (run) => run.scorecard.headline.similarity },
        { chart: 'chart-similarity', group: 'gold-line overlap', value: (run) => run.scorecard.headline.lineOverlap },
        { chart: 'chart-similarity', group: 'gold-file overlap', value: (run) => run.scorecard.headline.fileOverlap },
        { chart: 'chart-cost', group: 'cost (USD)', value: (run) => run.summary.costUsd },
        { chart: 'chart-cost', group: 'input tokens', value: (run) => run.summary.usage.inputTokens },
        { chart: 'chart-cost', group: 'output tokens', value: (run) => run.summary.usage.outputTokens },
      ];
      for (const expectation of expectations) {
        const drawn = [first!, second!].map((run) =>
          bars.find((bar) => bar.chart.startsWith(`${expectation.chart} `) && bar.group === expectation.group && bar.series === run.label),
        );
        const values = [first!, second!].map(expectation.value);
        for (const [index, bar] of drawn.entries()) {
          expect(bar, `${expectation.group} of ${report.runs[index]!.label}`).toBeDefined();
          expect(bar!.value).toBeCloseTo(values[index]!, 9);
          expect(bar!.box.width).toBeGreaterThan(4);
        }
        // Heights on the page: a bar is value / axis maximum of the plot (1 for scores, the largest bar otherwise).
        const chartBars = bars.filter((bar) => bar.chart === drawn[0]!.chart);
        const max = expectation.chart === 'chart-scores' || expectation.chart === 'chart-similarity' ? 1 : Math.max(...chartBars.map((bar) => bar.value));
        for (const bar of drawn) {
          const plotHeight = bar!.plot!.bottom - bar!.plot!.top;
          expect(Math.abs(bar!.box.height - (plotHeight * bar!.value) / max), `${bar!.chart} ${bar!.group} ${bar!.series}`).toBeLessThan(1.5);
          expect(Math.abs(bar!.box.y + bar!.box.height - bar!.plot!.bottom)).toBeLessThan(1.5);
        }
      }
      // More candidates cost more: the ablation's difference is visible, not just present.
      const tokenBars = bars.filter((bar) => bar.group === 'input tokens');
      expect(tokenBars.find((bar) => bar.series === second!.label)!.box.height).toBeGreaterThan(tokenBars.find((bar) => bar.series === first!.label)!.box.height);
      // Stage times: one segment per stage with time, per run, in the stacked chart.
      const timeBars = bars.filter((bar) => bar.chart.startsWith('chart-time '));
      for (const run of report.runs) {
        const segments = timeBars.filter((bar) => bar.group === run.label);
        expect(segments.map((bar) => bar.series).sort()).toEqual(
          run.stageTimes
            .filter((time) => time.meanMs > 0)
            .map((time) => time.stage)
            .sort(),
        );
        for (const segment of segments) expect(segment.value).toBeCloseTo(run.stageTimes.find((time) => time.stage === segment.series)!.meanMs / 1000, 9);
      }
      // Without a sandbox nothing is resolved or run: the chart says so instead of drawing empty groups.
      await expect(page.locator('#chart-scores p.note').textContent()).resolves.toContain('candidates resolved');
      expect(bars.some((bar) => bar.group === 'candidates resolved')).toBe(false);
    });

    it('takes a screenshot in which the bars are drawn in their colours', async () => {
      const screenshot = path.join(setup.directory, 'reports', 'ablation.png');
      await page.screenshot({ path: screenshot, fullPage: true });
      const image = PNG.sync.read(fs.readFileSync(screenshot));
      const pixel = (x: number, y: number): [number, number, number] => {
        const offset = (Math.round(y) * image.width + Math.round(x)) * 4;
        return [image.data[offset]!, image.data[offset + 1]!, image.data[offset + 2]!];
      };
      const bars = await drawnBars(page);
      const sampled = bars.filter((bar) => bar.box.width >= 6 && bar.box.height >= 6);
      expect(sampled.length).toBeGreaterThanOrEqual(10);
      for (const bar of sampled) {
        const [red, green, blue] = pixel(bar.box.x + bar.box.width / 2, bar.box.y + bar.box.height / 2);
        const [expectedRed, expectedGreen, expectedBlue] = hexToRgb(bar.fill);
        expect(Math.abs(red - expectedRed) + Math.abs(green - expectedGreen) + Math.abs(blue - expectedBlue), `${bar.chart} ${bar.group} ${bar.series}`).toBeLessThanOrEqual(6);
      }
      // The scores chart's region holds many pixels of each run's colour (its bars), the page background none.
      const region = (await page.locator('#chart-scores').boundingBox())!;
      const counts = new Map<string, number>();
      const colours = [...new Set(bars.filter((bar) => bar.chart.startsWith('chart-scores ')).map((bar) => bar.fill))];
      expect(colours).toHaveLength(2);
      for (let y = Math.ceil(region.y); y < region.y + region.height; y += 1) {
        for (let x = Math.ceil(region.x); x < region.x + region.width; x += 1) {
          const [red, green, blue] = pixel(x, y);
          for (const colour of colours) {
            const [r, g, b] = hexToRgb(colour);
            if (Math.abs(red - r) + Math.abs(green - g) + Math.abs(blue - b) <= 6) counts.set(colour, (counts.get(colour) ?? 0) + 1);
          }
        }
      }
      for (const colour of colours) expect(counts.get(colour) ?? 0, colour).toBeGreaterThan(2_000);
      const [backgroundRed, backgroundGreen, backgroundBlue] = pixel(2, 2);
      expect([backgroundRed, backgroundGreen, backgroundBlue]).toEqual(hexToRgb('#fafbfc'));
    });
  },
);
