/**
 * Validation bits per byte (nanochat's definition): the summed loss in nats over target tokens whose
 * byte length is > 0, divided by ln 2 × the summed byte lengths of those tokens. Special tokens (and
 * vocabulary padding) have 0 bytes, so they count neither in the loss nor in the bytes. Unlike loss
 * per token, this does not depend on the tokenizer.
 */
export class BitsPerByte {
  nats = 0;
  bytes = 0;

  /** `tokenBytes[id]` is the UTF-8 length of token `id`; targets < 0 are ignored. */
  constructor(private readonly tokenBytes: Int32Array) {}

  add(natsPerTarget: ArrayLike<number>, targets: ArrayLike<number>): void {
    for (let i = 0; i < targets.length; i++) {
      const target = targets[i]!;
      if (target < 0) continue;
      const bytes = this.tokenBytes[target] ?? 0;
      if (bytes === 0) continue;
      this.nats += natsPerTarget[i]!;
      this.bytes += bytes;
    }
  }

  value(): number {
    return this.bytes === 0 ? Number.NaN : this.nats / (Math.LN2 * this.bytes);
  }
}

/** Byte length of every id of the (padded) model vocabulary; ids the tokenizer does not have are 0. */
export function tokenByteLengths(modelVocab: number, tokenizerVocab: number, tokenBytes: (id: number) => Uint8Array): Int32Array {
  const lengths = new Int32Array(modelVocab);
  for (let id = 0; id < Math.min(modelVocab, tokenizerVocab); id++) lengths[id] = tokenBytes(id).length;
  return lengths;
}
