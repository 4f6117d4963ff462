// Preloaded into the runner process by pipeline-throughput.ts (`node --require`): measures how long the
// runner's event loop is blocked inside child_process.spawn (libuv forks and waits for the child's exec,
// which on a busy machine means waiting for a CPU) and how busy the event loop is overall. Writes JSON to
// the file named by CODEMONKEYS_SPAWN_PROBE when the process exits. Diagnostics only: it changes no
// behaviour (the original spawn is called with the same arguments).
'use strict';
const childProcess = require('node:child_process');
const fs = require('node:fs');
const { syncBuiltinESMExports } = require('node:module');
const { performance } = require('node:perf_hooks');

const output = process.env.CODEMONKEYS_SPAWN_PROBE;
if (output) {
  const original = childProcess.spawn;
  const byCommand = new Map();
  let spawns = 0;
  let blockedMs = 0;
  childProcess.spawn = function spawn(command, args, ...rest) {
    const started = performance.now();
    try {
      return original.call(this, command, args, ...rest);
    } finally {
      const elapsed = performance.now() - started;
      spawns += 1;
      blockedMs += elapsed;
      // `git --git-dir X worktree add ...` → `git worktree add`: the command, not its paths.
      const words = Array.isArray(args) ? args.filter((word, index) => !word.startsWith('/') && args[index - 1] !== '--git-dir' && word !== '--git-dir').slice(0, 2) : [];
      const key = [command, ...words].join(' ');
      byCommand.set(key, (byCommand.get(key) ?? 0) + 1);
    }
  };
  // The runner's bundles import `spawn` as an ES module binding: make it see the wrapper.
  syncBuiltinESMExports();
  process.on('exit', () => {
    const loop = performance.eventLoopUtilization();
    fs.writeFileSync(
      output,
      JSON.stringify({ spawns, blockedMs, eventLoopUtilization: loop.utilization, byCommand: Object.fromEntries([...byCommand].sort((left, right) => right[1] - left[1])) }),
    );
  });
}
