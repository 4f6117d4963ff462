import { DatasetError } from '@codemonkeys/protocol';

/**
 * Reads every row of a parquet file as plain objects. hyparquet is pure JavaScript; the compressors
 * package adds the codecs Hugging Face files use besides snappy (zstd, gzip, brotli, lz4). Both are
 * imported lazily so that JSONL users never load them.
 */
export async function readParquetRecords(file: string, bytes: Uint8Array): Promise<{ record: Record<string, unknown>; row: number }[]> {
  const [{ parquetReadObjects }, { compressors }] = await Promise.all([import('hyparquet'), import('hyparquet-compressors')]);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let rows: Record<string, unknown>[];
  try {
    rows = (await parquetReadObjects({ file: buffer, compressors, rowFormat: 'object' })) as Record<string, unknown>[];
  } catch (error) {
    throw new DatasetError({ file, reason: `is not a readable parquet file (${(error as Error).message}).`, cause: error });
  }
  // Parquet string columns arrive as strings, list columns as arrays, integers as bigint: bring
  // bigints back to numbers so that zod sees what a JSON copy of the dataset would hold.
  return rows.map((record, index) => ({
    record: Object.fromEntries(Object.entries(record).map(([key, value]) => [key, typeof value === 'bigint' ? Number(value) : value])),
    row: index + 1,
  }));
}
