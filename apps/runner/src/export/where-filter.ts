import { UsageError } from '../config/usage-error';
import type { CandidateMetadata } from './export-schemas';

/** One `--where` condition: `resolved=true`, `similarity>=0.8`, `localize/gold-line-recall>0`, `chosen=true`. */
export interface WhereCondition {
  text: string;
  key: string;
  operator: '=' | '!=' | '>=' | '<=' | '>' | '<';
  value: number | boolean | null;
}

const pattern = /^\s*([A-Za-z][\w./-]*)\s*(>=|<=|!=|=|>|<)\s*(\S+)\s*$/;

export function parseWhere(text: string): WhereCondition {
  const match = pattern.exec(text);
  if (!match) throw new UsageError(`--where "${text}": expected KEY OP VALUE with OP one of = != >= <= > < (e.g. resolved=true, similarity>=0.8)`);
  const [, key, operator, raw] = match as unknown as [string, string, WhereCondition['operator'], string];
  let value: WhereCondition['value'];
  if (raw === 'true' || raw === 'false') value = raw === 'true';
  else if (raw === 'null' || raw === 'unknown') value = null;
  else if (Number.isFinite(Number(raw))) value = Number(raw);
  else throw new UsageError(`--where "${text}": the value must be a number, true, false or null`);
  if (typeof value !== 'number' && operator !== '=' && operator !== '!=') throw new UsageError(`--where "${text}": ${operator} needs a number`);
  return { text, key, operator, value };
}

/** The candidate's value for a key: `resolved`, `chosen`, or a reward name (bare: the generate stage; `stage/name`: that stage). */
function valueOf(candidate: CandidateMetadata, key: string): number | boolean | null | undefined {
  if (key === 'resolved') return candidate.resolved;
  if (key === 'chosen') return candidate.chosen;
  if (key in candidate.rewards) return candidate.rewards[key];
  return undefined;
}

/**
 * All conditions hold. An unknown value (null, or a reward the candidate does not have) satisfies no
 * comparison: `similarity>=0.8` keeps only candidates whose similarity is known and at least 0.8;
 * `resolved=null` selects the unknown ones. Booleans compare as 1/0 with numbers.
 */
export function matchesWhere(candidate: CandidateMetadata, conditions: readonly WhereCondition[]): boolean {
  return conditions.every((condition) => {
    const actual = valueOf(candidate, condition.key) ?? null;
    if (condition.value === null) return condition.operator === '=' ? actual === null : actual !== null;
    if (actual === null) return false;
    const left = typeof actual === 'boolean' ? Number(actual) : actual;
    const right = typeof condition.value === 'boolean' ? Number(condition.value) : condition.value;
    switch (condition.operator) {
      case '=':
        return left === right;
      case '!=':
        return left !== right;
      case '>=':
        return left >= right;
      case '<=':
        return left <= right;
      case '>':
        return left > right;
      case '<':
        return left < right;
    }
  });
}
