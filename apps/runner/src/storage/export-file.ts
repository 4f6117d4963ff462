import fs from 'node:fs';
import readline from 'node:readline';
import { NotFoundError, parseExportLine, type ExportRecord } from '@codemonkeys/protocol';

async function* readLines(file: string): AsyncIterable<{ text: string; line: number }> {
  const input = file === '-' ? process.stdin : fs.createReadStream(file, { encoding: 'utf8' });
  let line = 0;
  for await (const text of readline.createInterface({ input, crlfDelay: Infinity })) {
    line += 1;
    yield { text, line };
  }
}

async function* parseLines(file: string, lines: AsyncIterable<{ text: string; line: number }>): AsyncIterable<ExportRecord> {
  const name = file === '-' ? '(stdin)' : file;
  for await (const { text, line } of lines) {
    const record = parseExportLine(text, { file: name, line });
    if (record) yield record;
  }
}

/**
 * The records of a run export file (`-` for stdin), all validated before the first is returned: a bad
 * line (named by file and line) fails the import before anything is written. A file is read twice
 * rather than held in memory; stdin, which cannot be, is held.
 */
export async function readExportFile(file: string): Promise<AsyncIterable<ExportRecord> | ExportRecord[]> {
  if (file === '-') {
    const records: ExportRecord[] = [];
    for await (const record of parseLines(file, readLines(file))) records.push(record);
    return records;
  }
  if (!fs.existsSync(file)) throw new NotFoundError(`${file}: no such file. Pass a file written by \`codemonkeys runs export RUN > FILE\`, or - for stdin.`);
  for await (const _record of parseLines(file, readLines(file))) {
    // validation pass
  }
  return parseLines(file, readLines(file));
}
