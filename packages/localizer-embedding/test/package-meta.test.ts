import fs from 'node:fs';
import { expect, it } from 'vitest';
import { packageMeta } from '../src/index';

it('reports the name and version of its package.json', () => {
  const manifest = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
  expect(packageMeta).toEqual({ name: manifest.name, version: manifest.version });
});
