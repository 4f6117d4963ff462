import { randomBytes } from 'node:crypto';
import type { SandboxFile, SandboxSession } from '@codemonkeys/protocol';
import type { LogParserName } from '../grading/log-parsers';

/** The log parsers of pytest runs: their runs get the completion guard. */
const pytestParsers: ReadonlySet<LogParserName> = new Set(['pytest', 'pytest-options', 'pytest-v2', 'matplotlib', 'seaborn']);

const guardModule = 'codemonkeys_guard';

/**
 * A pytest plugin, loaded through PYTEST_PLUGINS from a directory outside the repository, that writes
 * the session's exit status when pytest finishes its session. A run whose log shows passing tests but
 * whose session never finished (code under test that printed results and left with `os._exit(0)`, a
 * runner stopped during collection) has no such record. The plugin takes itself out of the
 * environment at once, so pytest runs the tests start (pytest's own test suite) never load it, and it
 * changes nothing else.
 */
const guardSource = (resultPath: string, directory: string): string =>
  [
    '"""Written by codemonkeys\' grader: records that the pytest session finished, and its exit status."""',
    'import json',
    'import os',
    '',
    `_RESULT = ${JSON.stringify(resultPath)}`,
    `_DIRECTORY = ${JSON.stringify(directory)}`,
    '',
    'def _forget():',
    '    plugins = [name for name in os.environ.get("PYTEST_PLUGINS", "").split(",") if name.strip() and name.strip() != "' + guardModule + '"]',
    '    if plugins:',
    '        os.environ["PYTEST_PLUGINS"] = ",".join(plugins)',
    '    else:',
    '        os.environ.pop("PYTEST_PLUGINS", None)',
    '    paths = [entry for entry in os.environ.get("PYTHONPATH", "").split(os.pathsep) if entry and entry != _DIRECTORY]',
    '    if paths:',
    '        os.environ["PYTHONPATH"] = os.pathsep.join(paths)',
    '    else:',
    '        os.environ.pop("PYTHONPATH", None)',
    '',
    '_forget()',
    '_CONFIG = []',
    '',
    'def pytest_configure(config):',
    '    if not _CONFIG:',
    '        _CONFIG.append(config)',
    '',
    'def pytest_sessionfinish(session, exitstatus):',
    '    if _CONFIG and session.config is not _CONFIG[0]:',
    '        return',
    '    with open(_RESULT, "w") as result:',
    '        json.dump({"exitstatus": int(exitstatus), "collected": getattr(session, "testscollected", None), "failed": getattr(session, "testsfailed", None)}, result)',
    '',
  ].join('\n');

export interface RunnerGuard {
  /** The guard's module, to put into the session before the run. */
  files: SandboxFile[];
  /** Shell lines that load it in the test run (the image's own PYTHONPATH and PYTEST_PLUGINS are kept). */
  exports: string;
  /** After the run: did the session finish, with which exit status? Undefined: no record (it never finished). */
  read(session: SandboxSession): Promise<{ exitStatus: number } | undefined>;
}

/** The completion guard of a test run, for specs whose tests pytest runs; undefined for other runners. */
export function runnerGuardFor(logParser: LogParserName): RunnerGuard | undefined {
  if (!pytestParsers.has(logParser)) return undefined;
  const directory = `/tmp/codemonkeys-guard-${randomBytes(8).toString('hex')}`;
  const resultPath = `${directory}/session.json`;
  return {
    files: [{ path: `${directory}/${guardModule}.py`, content: guardSource(resultPath, directory) }],
    exports: `export PYTEST_PLUGINS="\${PYTEST_PLUGINS:+$PYTEST_PLUGINS,}${guardModule}" PYTHONPATH="${directory}\${PYTHONPATH:+:$PYTHONPATH}"`,
    async read(session) {
      const content = await session.readFile(resultPath);
      if (!content) return undefined;
      try {
        const parsed = JSON.parse(Buffer.from(content).toString('utf8')) as { exitstatus?: unknown };
        return typeof parsed.exitstatus === 'number' ? { exitStatus: parsed.exitstatus } : undefined;
      } catch {
        return undefined;
      }
    },
  };
}
