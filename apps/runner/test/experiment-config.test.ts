import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SchemaValidationError } from '@codemonkeys/protocol';
import { describe, expect, it } from 'vitest';
import { ExperimentConfigSchema } from '../src/config/experiment-config';
import { applyOverrides, expandGrid, parseVaryFlags, sweepPoints } from '../src/config/hyper-sweep';
import { loadExperimentConfig } from '../src/config/load-experiment-config';

const minimal = {
  dataset: './lite.jsonl',
  models: { default: { baseUrl: 'http://127.0.0.1:8000/v1', model: 'qwen' } },
  localizer: 'embedding',
  generator: { plugin: 'llm', options: { samples: 4 } },
  selector: 'vote',
};

describe('experiment config', () => {
  it('fills defaults and normalizes plugin shorthands', () => {
    const config = ExperimentConfigSchema.parse(minimal);
    expect(config.localizer).toEqual({ plugin: 'embedding', options: {}, model: 'default' });
    expect(config.storage).toBe('sqlite:./runs.db');
    expect(config.sandbox).toMatchObject({ kind: 'docker' });
    expect(config.models.default).toMatchObject({ kind: 'openai', maxConcurrent: 32 });
  });

  it('reports every invalid path with the file name', () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'codemonkeys-config-'));
    const file = path.join(directory, 'experiment.json');
    fs.writeFileSync(file, JSON.stringify({ ...minimal, models: { judge: { baseUrl: 'not a url', model: '' } }, selector: 42, typo: true }));
    try {
      expect(() => loadExperimentConfig(file)).toThrow(SchemaValidationError);
      const message = (() => {
        try {
          loadExperimentConfig(file);
          return '';
        } catch (error) {
          return (error as Error).message;
        }
      })();
      expect(message).toContain(`Experiment config ${file} is invalid`);
      expect(message).toContain('✖ models.judge.baseUrl');
      expect(message).toContain('✖ models.judge.model');
      expect(message).toContain('✖ models: a "default" model is required');
      expect(message).toContain('✖ selector');
      expect(message).toContain('typo');
      fs.writeFileSync(file, '{ not json');
      expect(() => loadExperimentConfig(file)).toThrow(/cannot be read as JSON/);
    } finally {
      fs.rmSync(directory, { recursive: true });
    }
  });

  it('resolves relative paths against the config file', () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'codemonkeys-config-'));
    fs.writeFileSync(path.join(directory, 'e.json'), JSON.stringify({ ...minimal, repositories: { 'a/b': '../clones/b', 'c/d': 'https://example.invalid/c/d.git' } }));
    try {
      const config = loadExperimentConfig(path.join(directory, 'e.json'));
      expect(config.dataset.path).toBe(path.join(directory, 'lite.jsonl'));
      expect(config.storage).toBe(`sqlite:${path.join(directory, 'runs.db')}`);
      expect(config.repositories).toEqual({ 'a/b': path.resolve(directory, '../clones/b'), 'c/d': 'https://example.invalid/c/d.git' });
    } finally {
      fs.rmSync(directory, { recursive: true });
    }
  });
});

describe('hyper-parameter sweeps', () => {
  it('expand grids in a stable order', () => {
    expect(expandGrid({ a: [1, 2], b: ['x', 'y'] })).toEqual([
      { a: 1, b: 'x' },
      { a: 1, b: 'y' },
      { a: 2, b: 'x' },
      { a: 2, b: 'y' },
    ]);
  });

  it('apply stage plugins, stage options and free hypers', () => {
    const config = ExperimentConfigSchema.parse(minimal);
    const point = applyOverrides(config, { localizer: 'agentless', 'generator.samples': 10, 'generator.prompt.style': 'terse', temperature: 0.8 });
    expect(point.config.localizer).toEqual({ plugin: 'agentless', options: {}, model: 'default' });
    expect(point.config.generator!.options).toEqual({ samples: 10, prompt: { style: 'terse' } });
    expect(point.hypers).toEqual({ temperature: 0.8 });
    expect(config.generator!.options).toEqual({ samples: 4 });
  });

  it('turn --vary flags into a grid of runs', () => {
    const grid = parseVaryFlags(['generator.samples=5,10', 'localizer=agentless,embedding']);
    expect(grid).toEqual({ 'generator.samples': [5, 10], localizer: ['agentless', 'embedding'] });
    const points = sweepPoints(ExperimentConfigSchema.parse({ ...minimal, hypers: { grid } }));
    expect(points.map((point) => [point.config.generator!.options.samples, (point.config.localizer as { plugin: string }).plugin])).toEqual([
      [5, 'agentless'],
      [5, 'embedding'],
      [10, 'agentless'],
      [10, 'embedding'],
    ]);
    expect(() => parseVaryFlags(['samples'])).toThrow(/--vary expects key=value1,value2/);
  });
});
