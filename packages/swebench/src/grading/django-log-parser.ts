import type { TestStatusMap } from './test-status';

/**
 * `parse_log_django`: Django's runner at `--verbosity 2` prints `test_name (module.Class) ... ok`,
 * `... FAIL`, `... ERROR`, `... skipped 'reason'`, and `FAIL:`/`ERROR:` headers in the failure
 * report. A test that prints between `...` and `ok` has its `ok` on a later line: it is credited to
 * the last test seen. Three known interleavings of Django's own output are matched over the whole log.
 */
export function parseDjangoLog(log: string): TestStatusMap {
  const map: TestStatusMap = {};
  let previousTest: string | undefined;
  for (const raw of log.split('\n')) {
    let line = raw.trim();
    if (line.includes('--version is equivalent to version')) map['--version is equivalent to version'] = 'PASSED';
    if (line.includes(' ... ')) previousTest = line.split(' ... ')[0];
    for (const suffix of [' ... ok', ' ... OK', ' ...  OK']) {
      if (line.endsWith(suffix)) {
        // django__django-7188 prints a migration line in front of the test name.
        if (line.startsWith('Applying sites.0002_alter_domain_unique...test_no_migrations')) line = line.split('...').slice(1).join('...').trim();
        map[line.slice(0, line.lastIndexOf(suffix))] = 'PASSED';
        break;
      }
    }
    if (line.includes(' ... skipped')) map[line.split(' ... skipped')[0]!] = 'SKIPPED';
    if (line.endsWith(' ... FAIL')) map[line.split(' ... FAIL')[0]!] = 'FAILED';
    if (line.startsWith('FAIL:')) {
      const name = line.split(/\s+/)[1];
      if (name) map[name.trim()] = 'FAILED';
    }
    if (line.endsWith(' ... ERROR')) map[line.split(' ... ERROR')[0]!] = 'ERROR';
    if (line.startsWith('ERROR:')) {
      const name = line.split(/\s+/)[1];
      if (name) map[name.trim()] = 'ERROR';
    }
    if (line.trimStart().startsWith('ok') && previousTest !== undefined) map[previousTest] = 'PASSED';
  }
  const interleavings = [
    /^(.*?)\s\.\.\.\sTesting against Django installed in ([\s\S]*?) silenced\)\.\nok$/gm,
    /^(.*?)\s\.\.\.\sInternal Server Error: \/(.*)\/\nok$/gm,
    /^(.*?)\s\.\.\.\sSystem check identified no issues \(0 silenced\)\nok$/gm,
  ];
  for (const pattern of interleavings) for (const match of log.matchAll(pattern)) map[match[1]!] = 'PASSED';
  return map;
}
