import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InstanceSchema, type Instance } from '@codemonkeys/protocol';
import { discountFix, discountIssue, islandFix, islandIssue, shippingRefactor, shopkitFiles, type Files } from './shopkit-sources';

export interface ShopkitFixture {
  root: string;
  repo: string;
  /** `discount` at commit 1, `island` at commit 2 (one function changed). */
  instances: Instance[];
  repositorySources: Record<string, string>;
  cleanup(): void;
}

const environment = (second: number): NodeJS.ProcessEnv => {
  const date = `2024-03-01T10:00:0${second}Z`;
  return {
    ...process.env,
    GIT_AUTHOR_NAME: 'Fixture',
    GIT_AUTHOR_EMAIL: 'fixture@example.invalid',
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_NAME: 'Fixture',
    GIT_COMMITTER_EMAIL: 'fixture@example.invalid',
    GIT_COMMITTER_DATE: date,
  };
};

/** A real git repository of "shopkit" with two instances at two nearby commits. */
export function createShopkitFixture(): ShopkitFixture {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'localizer-embedding-shopkit-'));
  const root = path.join(parent, 'shopkit');
  fs.mkdirSync(root);
  const git = (args: string[], second = 0): string => execFileSync('git', args, { cwd: root, encoding: 'utf8', env: environment(second) });
  const write = (files: Files): void => {
    for (const [relative, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
      fs.writeFileSync(path.join(root, relative), content);
    }
  };
  const commit = (message: string, second: number): string => {
    git(['add', '-A']);
    git(['commit', '-q', '--no-gpg-sign', '-m', message], second);
    return git(['rev-parse', 'HEAD']).trim();
  };
  const diffOf = (changes: Files): string => {
    write(changes);
    const diff = git(['diff', '--no-color', 'HEAD', '--', ...Object.keys(changes)]);
    git(['checkout', 'HEAD', '--', ...Object.keys(changes)]);
    return diff;
  };
  git(['init', '-q', '-b', 'main']);
  write(shopkitFiles);
  const first = commit('shopkit 1.4', 1);
  const discountPatch = diffOf(discountFix);
  write(shippingRefactor);
  const second = commit('Normalize postcodes with split()', 2);
  const islandPatch = diffOf(islandFix);
  const repo = 'fixtures/shopkit';
  const instance = (number: number, baseCommit: string, patch: string, problemStatement: string): Instance =>
    InstanceSchema.parse({ instanceId: `fixtures__shopkit-${number}`, repo, baseCommit, patch, testPatch: '', problemStatement, failToPass: [], passToPass: [] });
  return {
    root,
    repo,
    instances: [instance(1, first, discountPatch, discountIssue), instance(2, second, islandPatch, islandIssue)],
    repositorySources: { [repo]: root },
    cleanup: () => fs.rmSync(parent, { recursive: true, force: true }),
  };
}
