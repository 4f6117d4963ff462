#!/usr/bin/env node
// Checks what every workspace package would publish (run after the build; `npm test` runs it):
// - lists each packed dist/ file with its size;
// - fails when a dist bundles code from outside its package (a third-party library, another workspace
//   package): the source maps name every input file, and each must lie in the package's own folder,
//   never under node_modules (rewards once shipped a private zod, 800 KB, because zod was undeclared);
// - fails when built JavaScript imports a package that package.json does not declare as a dependency,
//   peerDependency or optionalDependency (it would not be installed for users), or when a .d.ts names
//   types that users would not get (an undeclared package, or one without types and no @types declared);
// - fails when a package's JavaScript exceeds its size budget (generous: a budget catches a bundled
//   library or a runaway build, not ordinary growth);
// - runs publint on the packed files (errors fail, warnings are printed).
// Usage: node scripts/check-packages.mjs [--json] [DIRECTORY...]   (default: every workspace package)
// Exit codes: 0 all good, 1 a check failed,
// 2 the check could not run (npm failed, a package is not built).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const kB = 1000;
const defaultBudget = 350 * kB;
// JavaScript bytes (dist/**/*.js, source maps and .d.ts not counted) allowed per package.
const budgets = {
  '@codemonkeys/runner': 600 * kB,
};

function npmJson(args, cwd = root) {
  try {
    return JSON.parse(execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 }));
  } catch (error) {
    console.error(`check-packages: \`npm ${args.join(' ')}\` in ${cwd} failed: ${error.stderr?.toString().trim() || error.message}`);
    process.exit(2);
  }
}

const packageNameOf = (specifier) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');
const isBare = (specifier) => !specifier.startsWith('.') && !specifier.startsWith('/') && !/^[a-z]+:/i.test(specifier);
const typesPackageOf = (name) => `@types/${name.startsWith('@') ? name.slice(1).replace('/', '__') : name}`;

/** Bare package names a built file imports (static, dynamic, re-exports, require), builtins left out. */
function importedPackages(file, text) {
  const { importedFiles } = ts.preProcessFile(text, true, true);
  return [
    ...new Set(
      importedFiles
        .map((entry) => entry.fileName)
        .filter((specifier) => isBare(specifier) && !isBuiltin(specifier))
        .map(packageNameOf),
    ),
  ];
}

/** Whether the installed package `name` (as the package in `directory` sees it) carries its own types. */
function shipsTypes(name, directory) {
  for (let folder = directory; ; folder = path.dirname(folder)) {
    const manifestFile = path.join(folder, 'node_modules', name, 'package.json');
    if (existsSync(manifestFile)) {
      const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
      return Boolean(
        manifest.types || manifest.typings || JSON.stringify(manifest.exports ?? {}).includes('.d.') || existsSync(path.join(path.dirname(manifestFile), 'index.d.ts')),
      );
    }
    if (folder === path.dirname(folder)) return false;
  }
}

/** Packages (by name) whose files a source map says were bundled, or other files from outside the package. */
function bundledSources(mapFile, packageDirectory) {
  const map = JSON.parse(readFileSync(mapFile, 'utf8'));
  const base = path.resolve(path.dirname(mapFile), map.sourceRoot ?? '');
  const outside = new Set();
  for (const source of map.sources ?? []) {
    const absolute = path.resolve(base, source);
    const inNodeModules = absolute.split(path.sep).lastIndexOf('node_modules');
    if (inNodeModules >= 0) {
      const parts = absolute.split(path.sep).slice(inNodeModules + 1);
      outside.add(parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]);
    } else if (path.relative(packageDirectory, absolute).startsWith('..')) {
      outside.add(path.relative(root, absolute));
    }
  }
  return [...outside];
}

const requested = process.argv.slice(2).filter((argument) => !argument.startsWith('--'));
const targets =
  requested.length > 0
    ? requested.map((directory) => {
        const absolute = path.resolve(directory);
        if (!existsSync(path.join(absolute, 'package.json'))) {
          console.error(`check-packages: ${directory} has no package.json`);
          process.exit(2);
        }
        return { directory: absolute, location: path.relative(root, absolute), pack: npmJson(['pack', '--dry-run', '--json'], absolute)[0] };
      })
    : (() => {
        const workspaces = npmJson(['query', '.workspace']);
        return npmJson(['pack', '--dry-run', '--json', '--workspaces']).map((pack) => {
          const workspace = workspaces.find((candidate) => candidate.name === pack.name);
          if (!workspace) {
            console.error(`check-packages: npm packed ${pack.name}, which \`npm query .workspace\` does not list`);
            process.exit(2);
          }
          return { directory: workspace.path, location: workspace.location, pack };
        });
      })();
const results = [];
let failed = false;

for (const { directory, location, pack } of targets) {
  const manifest = JSON.parse(readFileSync(path.join(directory, 'package.json'), 'utf8'));
  const declared = new Set([
    manifest.name,
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
    ...Object.keys(manifest.optionalDependencies ?? {}),
  ]);
  const distFiles = pack.files.filter((file) => file.path.startsWith('dist/'));
  if (distFiles.length === 0) {
    console.error(`check-packages: ${pack.name} (${location}) packs no dist/ files: build it first (npm run build)`);
    process.exit(2);
  }
  const errors = [];
  const warnings = [];
  let javascriptBytes = 0;
  for (const file of distFiles) {
    const absolute = path.join(directory, file.path);
    if (/\.(c|m)?js$/.test(file.path)) {
      javascriptBytes += file.size;
      const text = readFileSync(absolute, 'utf8');
      const undeclared = importedPackages(file.path, text).filter((name) => !declared.has(name));
      for (const name of undeclared) errors.push(`${file.path} imports '${name}', which package.json does not declare (dependencies, peerDependencies or optionalDependencies)`);
      const mapFile = `${absolute}.map`;
      if (existsSync(mapFile)) {
        const outside = bundledSources(mapFile, directory);
        if (outside.length > 0)
          errors.push(`${file.path} bundles code from outside the package: ${outside.join(', ')} (declare it as a dependency or peerDependency so tsup keeps it external)`);
      } else if (/^\/\/ .*node_modules\//m.test(text)) {
        errors.push(`${file.path} bundles code from node_modules (esbuild's path comments say so)`);
      } else {
        warnings.push(`${file.path} has no source map: bundled code is detected only by esbuild's path comments`);
      }
    } else if (/\.d\.(c|m)?ts$/.test(file.path)) {
      // Declarations reach users too: a type they name must come from a declared package that ships
      // types, or from a declared @types package.
      const text = readFileSync(absolute, 'utf8');
      for (const name of importedPackages(file.path, text)) {
        if (declared.has(typesPackageOf(name)) || (declared.has(name) && shipsTypes(name, directory))) continue;
        errors.push(
          declared.has(name)
            ? `${file.path} refers to types of '${name}', which ships none: declare ${typesPackageOf(name)} as a dependency (it is not installed for users otherwise)`
            : `${file.path} refers to types of '${name}', which package.json does not declare`,
        );
      }
    }
  }
  const budget = budgets[pack.name] ?? defaultBudget;
  if (javascriptBytes > budget) errors.push(`dist JavaScript is ${javascriptBytes} bytes, over the budget of ${budget} bytes (scripts/check-packages.mjs)`);

  const { messages, pkg } = await publint({
    pkgDir: directory,
    level: 'warning',
    pack: { files: pack.files.map((file) => ({ name: path.join(directory, file.path), data: readFileSync(path.join(directory, file.path)) })) },
  });
  for (const message of messages) {
    const text = `publint: ${formatMessage(message, pkg, { color: false }) ?? message.code}`;
    (message.type === 'error' ? errors : warnings).push(text);
  }

  failed ||= errors.length > 0;
  results.push({
    name: pack.name,
    location: location,
    packedBytes: pack.size,
    unpackedBytes: pack.unpackedSize,
    javascriptBytes,
    budget,
    dist: distFiles.map((file) => ({ path: file.path, bytes: file.size })),
    errors,
    warnings,
  });
}

if (process.argv.includes('--json')) {
  console.log(JSON.stringify(results, null, 2));
} else {
  for (const result of results) {
    const status = result.errors.length > 0 ? 'FAIL' : 'ok';
    console.log(
      `${status.padEnd(4)} ${result.name}  packed ${result.packedBytes} B, unpacked ${result.unpackedBytes} B, JavaScript ${result.javascriptBytes} of ${result.budget} B`,
    );
    for (const file of result.dist) console.log(`       ${String(file.bytes).padStart(8)}  ${file.path}`);
    for (const error of result.errors) console.log(`  error: ${error}`);
    for (const warning of result.warnings) console.log(`  warning: ${warning}`);
  }
  const failures = results.filter((result) => result.errors.length > 0).length;
  console.log(`check-packages: ${results.length} packages, ${failures} failed, ${results.reduce((sum, result) => sum + result.warnings.length, 0)} warnings`);
}
process.exit(failed ? 1 : 0);
