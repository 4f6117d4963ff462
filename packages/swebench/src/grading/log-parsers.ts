import { z } from 'zod';
import { NotFoundError } from '@codemonkeys/protocol';
import { parseDjangoLog } from './django-log-parser';
import { parseMatplotlibLog, parsePytestLog, parsePytestOptionsLog, parsePytestV2Log, parseSeabornLog } from './pytest-log-parsers';
import { parseSympyLog } from './sympy-log-parser';
import type { TestStatusMap } from './test-status';

export const LogParserNameSchema = z.enum(['pytest', 'pytest-options', 'pytest-v2', 'matplotlib', 'seaborn', 'django', 'sympy']);
export type LogParserName = z.output<typeof LogParserNameSchema>;
export type LogParser = (log: string) => TestStatusMap;

export const logParsers: Readonly<Record<LogParserName, LogParser>> = {
  pytest: parsePytestLog,
  'pytest-options': parsePytestOptionsLog,
  'pytest-v2': parsePytestV2Log,
  matplotlib: parseMatplotlibLog,
  seaborn: parseSeabornLog,
  django: parseDjangoLog,
  sympy: parseSympyLog,
};

/** SWE-bench's parser per repository (MAP_REPO_TO_PARSER); other repositories use `pytest`. */
export const logParserByRepo: Readonly<Record<string, LogParserName>> = {
  'astropy/astropy': 'pytest-v2',
  'django/django': 'django',
  'marshmallow-code/marshmallow': 'pytest',
  'matplotlib/matplotlib': 'matplotlib',
  'mwaskom/seaborn': 'seaborn',
  'pallets/flask': 'pytest',
  'psf/requests': 'pytest-options',
  'pvlib/pvlib-python': 'pytest',
  'pydata/xarray': 'pytest',
  'pydicom/pydicom': 'pytest-options',
  'pylint-dev/astroid': 'pytest',
  'pylint-dev/pylint': 'pytest-options',
  'pytest-dev/pytest': 'pytest',
  'pyvista/pyvista': 'pytest',
  'scikit-learn/scikit-learn': 'pytest-v2',
  'sqlfluff/sqlfluff': 'pytest',
  'sphinx-doc/sphinx': 'pytest-v2',
  'sympy/sympy': 'sympy',
};

/** Parses a test log with the named parser. */
export function parseTestLog(parser: LogParserName, log: string): TestStatusMap {
  const parse = logParsers[parser];
  if (!parse) throw new NotFoundError(`No log parser named "${String(parser)}". Known parsers: ${Object.keys(logParsers).join(', ')}.`);
  return parse(log.replace(/\r\n/g, '\n'));
}
