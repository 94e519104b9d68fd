import * as tf from '@tensorflow/tfjs';

/**
 * Rows per chunk so that a [rows, rowLength] float32 tensor stays within `maxBytes` (null: no limit, one chunk
 * of everything). Throws when a single row is already too large.
 */
export function rowsPerChunk(rows: number, rowLength: number, maxBytes: number | null): number {
  if (maxBytes === null) return rows;
  const fit = Math.floor(maxBytes / (rowLength * 4));
  if (fit < 1) throw new RangeError(`one row of ${rowLength} floats exceeds the device's ${maxBytes}-byte tensor limit`);
  return Math.min(rows, fit);
}

/**
 * `perRow` on consecutive row chunks (at most `chunkRows` rows) of the row-aligned `tensors` (all with the same
 * first dimension), the per-row results concatenated. Autodiff goes through the slices, so each chunk's large
 * intermediates (the [chunk, V] logits) and their gradients are separate tensors of bounded size. With a single
 * chunk it is plainly perRow(...tensors).
 */
export function mapRowChunks<T extends tf.Tensor[]>(tensors: [...T], chunkRows: number, perRow: (...chunks: T) => tf.Tensor1D): tf.Tensor1D {
  const rows = tensors[0]!.shape[0]!;
  if (chunkRows >= rows) return perRow(...(tensors as T));
  const parts: tf.Tensor1D[] = [];
  for (let start = 0; start < rows; start += chunkRows) {
    const size = Math.min(chunkRows, rows - start);
    const chunks = tensors.map((t) => tf.slice(t, [start, ...t.shape.slice(1).map(() => 0)], [size, ...t.shape.slice(1)])) as T;
    parts.push(perRow(...chunks));
  }
  return tf.concat(parts);
}
