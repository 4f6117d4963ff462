import fs from 'node:fs';
import path from 'node:path';

/** A small deterministic PRNG (mulberry32), so that the repository is the same on every machine. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

const words = (
  'account address amount archive asset audit balance batch bill block booking budget buffer cache calendar campaign cart catalog ' +
  'channel charge checkout claim client cluster column comment config contract counter coupon credit currency customer cursor ' +
  'dataset deadline delivery deposit device discount document domain draft entry event export feature field filter folder forecast ' +
  'gateway graph group handler header import index invoice item journal job key label ledger limit listing locale lock log ' +
  'manifest margin member message metric migration model module node note notice offer order owner packet page parcel partner ' +
  'payment payload period permission plan policy pool post price printer profile project quota queue quote rate receipt record ' +
  'refund region release report request reservation resource result review role route rule schedule schema score search segment ' +
  'session setting shipment signal snapshot source stage status stock store stream subscription supplier survey table tag task ' +
  'tax template tenant ticket timeline token topic total trace transfer trigger upload user vendor version voucher warehouse ' +
  'webhook window worker zone'
).split(' ');
const verbs =
  'add apply build check clean close compute convert count create decode delete encode export fetch filter find flush format load lock merge normalize open parse queue read refresh release render reset resolve round save schedule send sort split sync update validate write'.split(
    ' ',
  );

/**
 * Writes a Python repository of about `targetLines` lines into `directory`: packages of modules with
 * classes, methods and functions whose names and bodies draw on a shared vocabulary, like real code.
 * Returns the repository-relative paths.
 */
export function generateRepository(directory: string, targetLines: number, seed = 7): string[] {
  const random = createRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const name = (): string => `${pick(verbs)}_${pick(words)}`;
  const className = (): string => `${pick(words)[0]!.toUpperCase()}${pick(words).slice(1)}${pick(['Manager', 'Service', 'Store', 'Builder', 'Policy', 'Client', 'View'])}`;
  const statement = (indent: string): string => {
    const kind = random();
    if (kind < 0.3) return `${indent}${pick(words)} = self.${pick(words)}.get(${JSON.stringify(pick(words))}, ${Math.floor(random() * 100)})`;
    if (kind < 0.5)
      return `${indent}if ${pick(words)} is None or ${pick(words)}_${pick(words)} > ${Math.floor(random() * 10)}:\n${indent}    raise ValueError("invalid ${pick(words)} ${pick(words)}")`;
    if (kind < 0.7) return `${indent}for ${pick(words)} in ${name()}(${pick(words)}):\n${indent}    total += ${pick(words)}.${pick(words)}`;
    if (kind < 0.85) return `${indent}result = ${name()}(${pick(words)}, ${pick(words)}=${pick(words)})`;
    return `${indent}# ${pick(verbs)} the ${pick(words)} before the ${pick(words)} ${pick(words)}`;
  };
  const body = (indent: string, lines: number): string[] => {
    const out = [`${indent}"""${pick(verbs)[0]!.toUpperCase()}${pick(verbs).slice(1)} the ${pick(words)} of a ${pick(words)} ${pick(words)}."""`, `${indent}total = 0`];
    while (out.length < lines) out.push(statement(indent));
    out.push(`${indent}return total`);
    return out;
  };
  const paths: string[] = [];
  let lines = 0;
  for (let fileIndex = 0; lines < targetLines; fileIndex += 1) {
    const relative = `genrepo/${pick(words)}_${Math.floor(fileIndex / 25)}/${pick(words)}_${pick(words)}_${fileIndex}.py`;
    const out = [
      `"""${pick(words)} and ${pick(words)} handling."""`,
      '',
      `import ${pick(words)}`,
      `from .${pick(words)} import ${name()}`,
      '',
      `${pick(words).toUpperCase()}_LIMIT = ${Math.floor(random() * 1000)}`,
      '',
    ];
    for (let classIndex = 0; classIndex < 2 + Math.floor(random() * 3); classIndex += 1) {
      out.push('', `class ${className()}:`, `    """A ${pick(words)} of ${pick(words)}s."""`, '');
      for (let method = 0; method < 3 + Math.floor(random() * 5); method += 1) {
        out.push(`    def ${name()}(self, ${pick(words)}, ${pick(words)}=None):`, ...body('        ', 4 + Math.floor(random() * 26)), '');
      }
    }
    for (let function_ = 0; function_ < 2 + Math.floor(random() * 4); function_ += 1) {
      out.push('', `def ${name()}(${pick(words)}, ${pick(words)}):`, ...body('    ', 4 + Math.floor(random() * 20)), '');
    }
    const text = `${out.join('\n')}\n`;
    lines += text.split('\n').length - 1;
    fs.mkdirSync(path.dirname(path.join(directory, relative)), { recursive: true });
    fs.writeFileSync(path.join(directory, relative), text);
    paths.push(relative);
  }
  return paths;
}

/** An issue-like query: a sentence of prose with a few identifiers, as users write them. */
export function generateQuery(random: () => number): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  return `${pick(verbs)}_${pick(words)}() fails for ${pick(words)}s\n\nWhen a ${pick(words)} has no ${pick(words)}, calling ${pick(verbs)}_${pick(words)} on the ${pick(words)} ${pick(words)} raises ValueError: invalid ${pick(words)} ${pick(words)}. Expected the ${pick(words)} total to be ${pick(verbs)}ed.`;
}
