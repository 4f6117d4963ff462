import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Where downloaded Debian packages are unpacked (outside git: see .gitignore). Override with CODEMONKEYS_BENCH_CACHE. */
export const benchCacheDirectory = process.env.CODEMONKEYS_BENCH_CACHE ?? path.join(path.dirname(new URL(import.meta.url).pathname), '.cache');

/**
 * Downloads a Debian package with `apt-get download` and unpacks it with `dpkg-deb -x` into the bench
 * cache (once), and returns its `dist-packages` folder: the library as installed, laid out like the
 * repository's package folder (`django/db/models/query.py`).
 */
export function ensureDebianPythonPackage(packageName: string): { root: string; version: string } {
  const directory = path.join(benchCacheDirectory, 'debian', packageName);
  const marker = path.join(directory, 'unpacked.json');
  if (!fs.existsSync(marker)) {
    fs.rmSync(directory, { recursive: true, force: true });
    fs.mkdirSync(directory, { recursive: true });
    execFileSync('apt-get', ['download', packageName], { cwd: directory, stdio: ['ignore', 'ignore', 'pipe'] });
    const archive = fs.readdirSync(directory).find((name) => name.endsWith('.deb'));
    if (!archive) throw new Error(`apt-get download ${packageName} produced no .deb in ${directory}; run apt-get update first.`);
    execFileSync('dpkg-deb', ['-x', archive, 'unpacked'], { cwd: directory });
    const version = execFileSync('dpkg-deb', ['-f', archive, 'Version'], { cwd: directory, encoding: 'utf8' }).trim();
    fs.writeFileSync(marker, JSON.stringify({ packageName, archive, version }));
  }
  const { version } = JSON.parse(fs.readFileSync(marker, 'utf8')) as { version: string };
  return { root: path.join(directory, 'unpacked', 'usr', 'lib', 'python3', 'dist-packages'), version };
}

/** Every file under `root/top` (repository-relative paths from `root`), with its content. */
export function readTree(root: string, top: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (relative: string): void => {
    for (const entry of fs.readdirSync(path.join(root, relative), { withFileTypes: true })) {
      const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) files[child] = fs.readFileSync(path.join(root, child), 'utf8');
    }
  };
  walk(top);
  return files;
}
