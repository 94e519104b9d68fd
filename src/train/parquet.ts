import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { UserError } from '../errors.js';

/**
 * Parquet shards with a `text` column (the FineWeb-Edu / ClimbMix layout), read with hyparquet
 * (plain and snappy-compressed pages; other codecs need hyparquet-compressors).
 */
export function listParquetShards(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    throw new UserError(`${dir}: cannot read the parquet directory`);
  }
  return names
    .filter((n) => n.endsWith('.parquet'))
    .sort()
    .map((n) => join(dir, n));
}

/** The `text` column of one shard, in row order. */
export async function readParquetTexts(path: string): Promise<string[]> {
  let rows: Record<string, unknown>[];
  try {
    const file = await asyncBufferFromFile(path);
    const metadata = await parquetMetadataAsync(file);
    if (!metadata.schema.some((el) => el.name === 'text')) {
      throw new UserError(`${path}: parquet shard has no \`text\` column`);
    }
    rows = await parquetReadObjects({ file, metadata, columns: ['text'] });
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`${path}: cannot read parquet shard (${(err as Error).message})`);
  }
  return rows.map((row, i) => {
    const text = row.text;
    if (text === null || text === undefined) return '';
    if (typeof text !== 'string') throw new UserError(`${path}: row ${i}: \`text\` is not a string`);
    return text;
  });
}
