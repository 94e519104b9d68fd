/**
 * A minimal parquet writer for test fixtures (hyparquet only reads): one row group, one required
 * UTF-8 BYTE_ARRAY column per name, PLAIN encoding, uncompressed, metadata in Thrift compact protocol.
 */
class Compact {
  bytes: number[] = [];
  private lastField: number[] = [0];

  private varint(n: bigint): void {
    let v = n;
    while (v >= 0x80n) {
      this.bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.bytes.push(Number(v));
  }
  private zigzag(n: number | bigint): void {
    const v = BigInt(n);
    this.varint(v >= 0n ? v << 1n : (-v << 1n) - 1n);
  }
  private header(id: number, type: number): void {
    const last = this.lastField[this.lastField.length - 1]!;
    this.bytes.push(((id - last) << 4) | type);
    this.lastField[this.lastField.length - 1] = id;
  }
  i32(id: number, v: number): this {
    this.header(id, 5);
    this.zigzag(v);
    return this;
  }
  i64(id: number, v: number): this {
    this.header(id, 6);
    this.zigzag(v);
    return this;
  }
  binary(id: number, v: string): this {
    this.header(id, 8);
    const b = Buffer.from(v, 'utf8');
    this.varint(BigInt(b.length));
    this.bytes.push(...b);
    return this;
  }
  begin(id: number): this {
    this.header(id, 12);
    this.lastField.push(0);
    return this;
  }
  end(): this {
    this.bytes.push(0);
    this.lastField.pop();
    return this;
  }
  /** A list of structs, each written by `each`. */
  structList(id: number, count: number, each: (i: number) => void): this {
    this.header(id, 9);
    this.bytes.push((count << 4) | 12);
    for (let i = 0; i < count; i++) {
      this.lastField.push(0);
      each(i);
      this.end();
    }
    return this;
  }
  i32List(id: number, values: number[]): this {
    this.header(id, 9);
    this.bytes.push((values.length << 4) | 5);
    for (const v of values) this.zigzag(v);
    return this;
  }
  stringList(id: number, values: string[]): this {
    this.header(id, 9);
    this.bytes.push((values.length << 4) | 8);
    for (const v of values) {
      const b = Buffer.from(v, 'utf8');
      this.varint(BigInt(b.length));
      this.bytes.push(...b);
    }
    return this;
  }
}

export function writeParquet(columns: Record<string, string[]>): Buffer {
  const names = Object.keys(columns);
  const rows = columns[names[0]!]!.length;
  const chunks: Buffer[] = [Buffer.from('PAR1')];
  let offset = 4;
  const metas: Array<{ name: string; pageOffset: number; size: number }> = [];
  for (const name of names) {
    const values = Buffer.concat(
      columns[name]!.map((v) => {
        const b = Buffer.from(v, 'utf8');
        const len = Buffer.alloc(4);
        len.writeUInt32LE(b.length);
        return Buffer.concat([len, b]);
      }),
    );
    const page = new Compact().i32(1, 0).i32(2, values.length).i32(3, values.length).begin(5);
    page.i32(1, rows).i32(2, 0).i32(3, 3).i32(4, 3).end();
    page.bytes.push(0);
    const chunk = Buffer.concat([Buffer.from(page.bytes), values]);
    metas.push({ name, pageOffset: offset, size: chunk.length });
    chunks.push(chunk);
    offset += chunk.length;
  }
  const meta = new Compact().i32(1, 1);
  meta.structList(2, names.length + 1, (i) => {
    if (i === 0) meta.binary(4, 'schema').i32(5, names.length);
    else meta.i32(1, 6).i32(3, 0).binary(4, names[i - 1]!).i32(6, 0);
  });
  meta.i64(3, rows);
  meta.structList(4, 1, () => {
    meta.structList(1, metas.length, (i) => {
      const m = metas[i]!;
      meta.i64(2, m.pageOffset).begin(3);
      meta.i32(1, 6).i32List(2, [0]).stringList(3, [m.name]).i32(4, 0).i64(5, rows);
      meta.i64(6, m.size).i64(7, m.size).i64(9, m.pageOffset).end();
    });
    meta.i64(2, metas.reduce((a, m) => a + m.size, 0)).i64(3, rows);
  });
  meta.bytes.push(0);
  const footer = Buffer.from(meta.bytes);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(footer.length);
  return Buffer.concat([...chunks, footer, len, Buffer.from('PAR1')]);
}
