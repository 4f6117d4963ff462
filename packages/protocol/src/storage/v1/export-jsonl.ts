import { DatasetError } from '../../errors/data-errors';
import { formatZodError } from '../../schema/format-zod-error';
import { ExportRecordSchema, type ExportRecord } from './records';

/**
 * One line of a run export (`codemonkeys runs export RUN > run.jsonl`): the record as stored, as JSON,
 * without the trailing newline. Exports of the same run from any two backends are byte-identical.
 */
export function formatExportLine(record: ExportRecord): string {
  return JSON.stringify(record);
}

/**
 * Parses and validates one line of a run export. Blank lines give `undefined`; anything else that is
 * not an export record throws a DatasetError naming the file and the line.
 */
export function parseExportLine(text: string, location: { file: string; line: number }): ExportRecord | undefined {
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DatasetError({ ...location, reason: `not JSON (${(error as Error).message}). Each line of a run export is one JSON record.`, cause: error });
  }
  const result = ExportRecordSchema.safeParse(value);
  if (!result.success) {
    throw new DatasetError({
      ...location,
      reason: `not a run export record:\n${formatZodError(result.error)}\nExport files are written by \`codemonkeys runs export RUN\`.`,
    });
  }
  return result.data;
}
