import { execFileSync } from 'node:child_process';
import { expect, it } from 'vitest';

it('the built codemonkeys bin prints its version', () => {
  const output = execFileSync(process.execPath, [new URL('../dist/cli.js', import.meta.url).pathname, '--version'], { encoding: 'utf8' });
  expect(output.trim()).toBe('0.1.0');
});
