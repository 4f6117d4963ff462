import fs from 'node:fs/promises';
import path from 'node:path';
import { DatasetError, formatZodError, SweBenchRecordSchema, type Instance } from '@codemonkeys/protocol';
import { filterInstances, type InstanceFilter } from './instance-filter';
import { parseJsonLines } from './json-lines';
import { readParquetRecords } from './read-parquet';

export type DatasetFormat = 'jsonl' | 'json' | 'parquet';

export interface LoadDatasetOptions extends InstanceFilter {
  /** Default: from the file extension (`.jsonl`/`.ndjson`, `.json`, `.parquet`), else sniffed from the content. */
  format?: DatasetFormat;
}

/** The format of a dataset file, from its name or (for unknown extensions) its first byte. */
export function detectDatasetFormat(file: string, head?: Uint8Array): DatasetFormat {
  const lower = file.toLowerCase();
  if (lower.endsWith('.parquet')) return 'parquet';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  if (lower.endsWith('.json')) return 'json';
  if (head && head.length >= 4 && Buffer.from(head.subarray(0, 4)).toString('latin1') === 'PAR1') return 'parquet';
  const first = head ? Buffer.from(head).toString('utf8').trimStart()[0] : undefined;
  return first === '[' ? 'json' : 'jsonl';
}

/** Validates one record; a failure names the file and the line (JSONL), element (JSON) or row (parquet). */
export function parseSweBenchRecord(record: unknown, where: { file: string; line?: number; label?: string }): Instance {
  const result = SweBenchRecordSchema.safeParse(record);
  if (result.success) return result.data;
  const id =
    typeof record === 'object' && record !== null && typeof (record as { instance_id?: unknown }).instance_id === 'string'
      ? ` (instance ${(record as { instance_id: string }).instance_id})`
      : '';
  throw new DatasetError({
    file: where.file,
    ...(where.line !== undefined ? { line: where.line } : {}),
    reason:
      `${where.label ?? 'record'}${id} is not a SWE-bench instance:\n${formatZodError(result.error)}\n` +
      `Each record needs the Hugging Face fields instance_id, repo, base_commit, patch, test_patch, problem_statement, FAIL_TO_PASS and PASS_TO_PASS.`,
  });
}

/** Line number (1-based) where each element of a top-level JSON array starts, for error messages. */
function arrayElementLines(text: string): number[] {
  const lines: number[] = [];
  let depth = 0;
  let inString = false;
  let expectingElement = false;
  let line = 1;
  for (let index = 0; index < text.length; index++) {
    const character = text[index]!;
    if (character === '\n') line++;
    if (inString) {
      if (character === '\\') index++;
      else if (character === '"') inString = false;
      continue;
    }
    if (/\s/.test(character)) continue;
    if (depth === 1 && expectingElement && character !== ']') {
      lines.push(line);
      expectingElement = false;
    }
    if (character === '"') inString = true;
    else if (character === '{' || character === '[') {
      depth++;
      if (depth === 1) expectingElement = true;
    } else if (character === '}' || character === ']') depth--;
    else if (character === ',' && depth === 1) expectingElement = true;
  }
  return lines;
}

function parseJsonArray(text: string, file: string): Instance[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DatasetError({ file, reason: `not valid JSON (${(error as Error).message}).`, cause: error });
  }
  const records = Array.isArray(value)
    ? value
    : typeof value === 'object' && value !== null && Array.isArray((value as { rows?: unknown }).rows)
      ? (value as { rows: unknown[] }).rows
      : undefined;
  if (!records) throw new DatasetError({ file, reason: 'a JSON dataset must be an array of SWE-bench records (or an object with a "rows" array).' });
  const lines = arrayElementLines(text);
  return records.map((record, index) => parseSweBenchRecord(record, { file, ...(lines[index] !== undefined ? { line: lines[index] } : {}), label: `element ${index}` }));
}

/** Loads every record of a dataset file, validated, then filtered. */
export async function loadDataset(file: string, options: LoadDatasetOptions = {}): Promise<Instance[]> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (error) {
    throw new DatasetError({ file, reason: `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}). Check the path.`, cause: error });
  }
  const format = options.format ?? detectDatasetFormat(path.basename(file), bytes.subarray(0, 64));
  let instances: Instance[];
  if (format === 'parquet') {
    instances = (await readParquetRecords(file, bytes)).map(({ record, row }) => parseSweBenchRecord(record, { file, line: row, label: `row ${row}` }));
  } else {
    const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
    instances =
      format === 'json'
        ? parseJsonArray(text, file)
        : parseJsonLines(text, file, (record, line) => parseSweBenchRecord(record, { file, line, label: 'line' }), 'Each line of a JSONL file must be one JSON object.');
  }
  const seen = new Map<string, number>();
  instances.forEach((instance, index) => {
    if (seen.has(instance.instanceId)) {
      throw new DatasetError({
        file,
        reason: `instance ${instance.instanceId} appears twice (records ${seen.get(instance.instanceId)! + 1} and ${index + 1}). Remove the duplicate.`,
      });
    }
    seen.set(instance.instanceId, index);
  });
  return filterInstances(instances, options);
}
