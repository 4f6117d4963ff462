import { DatasetError } from '@codemonkeys/protocol';

/**
 * The records of a JSONL file: each non-empty line is parsed as JSON and given to `parse` with its line
 * number (1-based). A line that is not JSON is a DatasetError naming the file and the line; `hint`, when
 * given, follows the parser's message (what each line must be).
 */
export function parseJsonLines<Parsed>(text: string, file: string, parse: (record: unknown, line: number) => Parsed, hint?: string): Parsed[] {
  const parsed: Parsed[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.trim();
    if (line === '') continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (error) {
      throw new DatasetError({ file, line: index + 1, reason: `not valid JSON (${(error as Error).message}).${hint ? ` ${hint}` : ''}`, cause: error });
    }
    parsed.push(parse(record, index + 1));
  }
  return parsed;
}
