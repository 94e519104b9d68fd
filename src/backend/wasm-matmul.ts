import * as tf from '@tensorflow/tfjs';
import { abandonPool, mainThreadClaims, matMulPool, type ChunkLayout, type MatMulPool } from './wasm-matmul-pool.js';

/**
 * Batched and transposed matMuls on the wasm heap, as plain 2-D XNNPACK products, shared with the matMul
 * pool's threads (wasm-matmul-pool.ts) when there is one and the product is large. The stock kernel is fast
 * only for a single untransposed product; this file feeds it exactly such products.
 *
 * A pooled product is cut into chunks: groups of batch entries when there are several, else blocks of rows
 * (when the result is taller than wide) or of columns — the split that copies less, since each chunk needs
 * all of the other operand. The main thread stages every chunk's operands as plain (untransposed) blocks in
 * the shared buffer, posts the job, and computes chunks alongside the pool threads until none is left.
 * XNNPACK's GEMM sums every output element over k in the same order whatever block it is computed in, so
 * the result does not depend on who computed which chunk (tested in test/wasm-threads.test.ts).
 */

type Values = Float32Array | Int32Array | Uint8Array;

/** The parts of tfjs-backend-wasm's BackendWasm used here. */
export interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Values;
  disposeData(dataId: tf.DataId): boolean;
}

/**
 * Below this many flops a product runs on the main thread alone: staging its operands and waking a thread
 * cost ≈ 0.4 ms (measured on Muon's [256,256]² and [256,1024]·[1024,256] products, 33 and 134 MFLOP: 0.7×
 * and 0.84× with the pool at load 5).
 */
let parallelMinFlops = 1 << 28;

/** For tests: pool products from this size on, so that small shapes exercise the pool. */
export function setParallelMinFlops(flops: number): void {
  parallelMinFlops = flops;
}

/** Target chunk size (≈ 0.5 ms of single-threaded XNNPACK): small enough to balance a loaded machine. */
const CHUNK_FLOPS = 1 << 24;
/** Row and column blocks start at multiples of this (XNNPACK's register tiles are 4–8 wide). */
const BLOCK_ALIGN = 16;

/**
 * Whether the pool is paying off lately. On a machine whose other cores are busy (other processes), the pool
 * threads get scheduled late or not at all: the main thread then computes nearly every chunk itself after
 * staging them all, or waits for a chunk a descheduled thread holds (measured at load 5–10 on 2 cores: d4
 * steps up to 80 % slower with the pool forced on). Moving averages of the main thread's share of each job's
 * wall time spent staging and waiting, and of the pool threads' share of the chunks, decide; once they look
 * bad, the next STARVED_SKIP large products stay on the main thread, then the pool is tried again. Values
 * are the same either way.
 */
const health = { poolShare: 1, waitShare: 0, skip: 0 };
const STARVED_SKIP = 64;

function recordJob(poolShare: number, waitShare: number): void {
  if (!mainThreadClaims()) return; // a test is forcing the pool
  health.poolShare = 0.8 * health.poolShare + 0.2 * poolShare;
  health.waitShare = 0.8 * health.waitShare + 0.2 * waitShare;
  if (health.poolShare < 0.2 || health.waitShare > 0.3) Object.assign(health, { poolShare: 1, waitShare: 0, skip: STARVED_SKIP });
}

/**
 * Columns per block of a wide product on one thread. XNNPACK packs all of B before multiplying; in blocks of
 * 1024 columns the packed panel stays cache-sized (measured on one thread, blocks pre-sliced:
 * [256,2048]×[2048,8192] 661 → 471 ms in 8 blocks, [2048,256]×[256,8192] 469 → 415 ms in 4).
 */
const LOCAL_BLOCK_COLS = 1024;

/** Whether a single plain product is computed in column blocks on the main thread (see LOCAL_BLOCK_COLS). */
export function wideProduct(k: number, n: number): boolean {
  return n >= 4 * LOCAL_BLOCK_COLS && k * n >= 1 << 22;
}

/** Whether a product of `macs` multiply-adds (all entries) is shared with the pool's threads. */
export function parallelWorthIt(macs: number): boolean {
  if (2 * macs < parallelMinFlops || matMulPool() === null) return false;
  if (health.skip === 0 || !mainThreadClaims()) return true;
  health.skip -= 1;
  return false;
}

/** Entries [e0, e1) of the batch, restricted to result rows [r0, r1) and columns [c0, c1). */
interface Part {
  e0: number;
  e1: number;
  r0: number;
  r1: number;
  c0: number;
  c1: number;
}

/** One operand: its heap tensor, the stored shape of one entry, whether it is used transposed. */
interface Operand {
  info: tf.TensorInfo;
  rows: number;
  cols: number;
  entries: number;
  transposed: boolean;
}

/**
 * Copies rows [r0, r1) × columns [c0, c1) of the plain matrix of entry `e` of `op` (its transpose if
 * flagged) into `dst` at `dstOff`, row-major. A single-entry operand serves every entry (broadcast).
 */
function copyBlock(src: Values, op: Operand, e: number, r0: number, r1: number, c0: number, c1: number, dst: Float32Array, dstOff: number): void {
  const base = (op.entries === 1 ? 0 : e) * op.rows * op.cols;
  const width = c1 - c0;
  if (!op.transposed) {
    if (c0 === 0 && c1 === op.cols) {
      dst.set(src.subarray(base + r0 * op.cols, base + r1 * op.cols), dstOff);
      return;
    }
    for (let r = r0; r < r1; r++) dst.set(src.subarray(base + r * op.cols + c0, base + r * op.cols + c1), dstOff + (r - r0) * width);
    return;
  }
  // plain[r][c] = stored[c][r]; 32×32 tiles with sequential writes (see strided-copy.ts).
  for (let rt = r0; rt < r1; rt += 32) {
    const rEnd = Math.min(rt + 32, r1);
    for (let ct = c0; ct < c1; ct += 32) {
      const cEnd = Math.min(ct + 32, c1);
      for (let r = rt; r < rEnd; r++) {
        const d = dstOff + (r - r0) * width - c0;
        for (let c = ct; c < cEnd; c++) dst[d + c] = src[base + c * op.cols + r]!;
      }
    }
  }
}

/** An operand block: a heap tensor to use as it is, or a function writing the block into a given array. */
type Source = tf.TensorInfo | ((dst: Float32Array) => void);

class Product {
  readonly out: tf.TensorInfo;

  constructor(
    private readonly wasm: WasmBackend,
    private readonly stock: (a: tf.TensorInfo, b: tf.TensorInfo) => tf.TensorInfo,
    readonly a: Operand,
    readonly b: Operand,
    readonly m: number,
    readonly k: number,
    readonly n: number,
    outShape: number[],
  ) {
    this.out = wasm.makeOutput(outShape, 'float32');
  }

  private view(info: tf.TensorInfo): Float32Array {
    return this.wasm.typedArrayFromHeap(info) as Float32Array;
  }

  /** Writes a part's result block for entry `e` (rows r1−r0 × columns c1−c0, row-major) into the output. */
  private place(p: Part, e: number, block: Float32Array): void {
    const out = this.view(this.out);
    const width = p.c1 - p.c0;
    const base = e * this.m * this.n;
    if (width === this.n) out.set(block.subarray(0, (p.r1 - p.r0) * width), base + p.r0 * this.n);
    else for (let r = p.r0; r < p.r1; r++) out.set(block.subarray((r - p.r0) * width, (r - p.r0 + 1) * width), base + r * this.n + p.c0);
  }

  /**
   * One entry's plain 2-D product with the stock kernel. Each operand is a heap tensor used as it is, or a
   * function that writes the block into a fresh one.
   */
  private product(rows: number, cols: number, a: Source, b: Source): tf.TensorInfo {
    const ai = typeof a === 'function' ? this.wasm.makeOutput([rows, this.k], 'float32') : a;
    const bi = typeof b === 'function' ? this.wasm.makeOutput([this.k, cols], 'float32') : b;
    // Views are taken after makeOutput: allocating may grow the heap and detach earlier views.
    if (typeof a === 'function') a(this.view(ai));
    if (typeof b === 'function') b(this.view(bi));
    const result = this.stock(ai, bi);
    if (ai !== a) this.wasm.disposeData(ai.dataId);
    if (bi !== b) this.wasm.disposeData(bi.dataId);
    return result;
  }

  /** Whether the part needs all of A (B) and A (B) is a plain 2-D matrix: then it is used in place. */
  private wholeOperands(p: Part): [boolean, boolean] {
    const [a, b] = [this.a, this.b];
    return [!a.transposed && a.entries === 1 && p.r0 === 0 && p.r1 === this.m, !b.transposed && b.entries === 1 && p.c0 === 0 && p.c1 === this.n];
  }

  runLocally(p: Part): void {
    const [a, b] = [this.a, this.b];
    const [aWhole, bWhole] = this.wholeOperands(p);
    for (let e = p.e0; e < p.e1; e++) {
      const result = this.product(
        p.r1 - p.r0,
        p.c1 - p.c0,
        aWhole ? a.info : (dst) => copyBlock(this.view(a.info), a, e, p.r0, p.r1, 0, this.k, dst, 0),
        bWhole ? b.info : (dst) => copyBlock(this.view(b.info), b, e, 0, this.k, p.c0, p.c1, dst, 0),
      );
      this.place(p, e, this.view(result));
      this.wasm.disposeData(result.dataId);
    }
  }

  /**
   * Stages every part's operands in the pool's buffer (plain blocks: see the file comment) and returns
   * where each part's operands and result are, plus the per-entry operand steps.
   */
  stage(pool: MatMulPool, parts: readonly Part[]): { layouts: ChunkLayout[]; aStep: number; bStep: number; buffer: Float32Array } {
    const { a, b, m, k, n } = this;
    const batch = parts.at(-1)!.e1;
    const columns = parts.length > 1 && parts[0]!.c1 < n;
    const [aCount, bCount] = [a.entries === 1 ? 1 : batch, b.entries === 1 ? 1 : batch];
    const [aBase, bBase, outBase] = [0, aCount * m * k, aCount * m * k + bCount * k * n];
    const buffer = pool.buffer(outBase + batch * m * n);
    const [aSrc, bSrc] = [this.view(a.info), this.view(b.info)];
    for (let e = 0; e < aCount; e++) copyBlock(aSrc, a, e, 0, m, 0, k, buffer, aBase + e * m * k);
    if (columns) for (const p of parts) copyBlock(bSrc, b, 0, 0, k, p.c0, p.c1, buffer, bBase + k * p.c0);
    else for (let e = 0; e < bCount; e++) copyBlock(bSrc, b, e, 0, k, 0, n, buffer, bBase + e * k * n);
    const [aStep, bStep] = [aCount === 1 ? 0 : m * k, bCount === 1 ? 0 : k * n];
    const layouts = parts.map((p) => ({
      aOff: aBase + p.e0 * aStep + p.r0 * k,
      bOff: bBase + p.e0 * bStep + (columns ? k * p.c0 : 0),
      outOff: outBase + p.e0 * m * n + (columns ? m * p.c0 : p.r0 * n),
      rows: p.r1 - p.r0,
      cols: p.c1 - p.c0,
      entries: p.e1 - p.e0,
    }));
    return { layouts, aStep, bStep, buffer };
  }

  /** Computes a staged part here, from the staged operands (or the original, when it is a whole plain matrix). */
  runStaged(p: Part, at: ChunkLayout, aStep: number, bStep: number, buffer: Float32Array): void {
    const [aWhole, bWhole] = this.wholeOperands(p);
    const [aSize, bSize] = [at.rows * this.k, this.k * at.cols];
    for (let i = 0; i < at.entries; i++) {
      const result = this.product(
        at.rows,
        at.cols,
        aWhole ? this.a.info : (dst) => dst.set(buffer.subarray(at.aOff + i * aStep, at.aOff + i * aStep + aSize)),
        bWhole ? this.b.info : (dst) => dst.set(buffer.subarray(at.bOff + i * bStep, at.bOff + i * bStep + bSize)),
      );
      this.place(p, p.e0 + i, this.view(result));
      this.wasm.disposeData(result.dataId);
    }
  }

  /** Places a part that a pool thread computed (in the shared buffer) into the output. */
  placeStaged(p: Part, at: ChunkLayout, buffer: Float32Array): void {
    for (let i = 0; i < at.entries; i++) this.place(p, p.e0 + i, buffer.subarray(at.outOff + i * at.rows * at.cols));
  }
}

/** Splits [0, size) into at most `parts` contiguous ranges of near-equal length, inner bounds multiples of `align`. */
function ranges(size: number, parts: number, align = 1): [number, number][] {
  const units = Math.ceil(size / align);
  const count = Math.max(1, Math.min(parts, units));
  const bound = (i: number) => Math.min(size, Math.floor((i * units) / count) * align);
  return Array.from({ length: count }, (_, i) => [bound(i), bound(i + 1)]);
}

/** The chunks of a pooled product over `threads` threads (see the file comment). */
function planChunks(batch: number, m: number, k: number, n: number, threads: number): Part[] {
  const wanted = Math.max(threads, Math.min(4 * threads, Math.round((2 * batch * m * k * n) / CHUNK_FLOPS)));
  const whole = { e0: 0, e1: batch, r0: 0, r1: m, c0: 0, c1: n };
  if (batch > 1) return ranges(batch, wanted).map(([e0, e1]) => ({ ...whole, e0, e1 }));
  if (n < m) return ranges(m, wanted, BLOCK_ALIGN).map(([r0, r1]) => ({ ...whole, r0, r1 }));
  return ranges(n, wanted, BLOCK_ALIGN).map(([c0, c1]) => ({ ...whole, c0, c1 }));
}

/** Runs a product's chunks on the main thread and the pool; recomputes the pool's share if it failed. */
function runPooled(product: Product, pool: MatMulPool, batch: number): void {
  const started = performance.now();
  const parts = planChunks(batch, product.m, product.k, product.n, pool.size + 1);
  const { layouts, aStep, bStep, buffer } = product.stage(pool, parts);
  const staged = performance.now();
  pool.post(product.k, aStep, bStep, layouts);
  const mine = new Array<boolean>(parts.length).fill(false);
  for (let i = pool.claim(); i !== null; i = pool.claim()) {
    mine[i] = true;
    product.runStaged(parts[i]!, layouts[i]!, aStep, bStep, buffer);
  }
  const pooled = mine.filter((own) => !own).length;
  const waiting = performance.now();
  const ok = pool.finish(pooled);
  const done = performance.now();
  recordJob(pooled / parts.length, (staged - started + done - waiting) / Math.max(done - started, 1e-3));
  parts.forEach((p, i) => {
    if (mine[i]) return;
    if (ok) product.placeStaged(p, layouts[i]!, buffer);
    else product.runStaged(p, layouts[i]!, aStep, bStep, buffer);
  });
  if (!ok) abandonPool();
}

/**
 * out[...batch] = plain(a)·plain(b) for float32 operands [...batch, r, c] whose batch axes are `outer` (each
 * side either has them or a single entry), on the wasm heap. `stock` multiplies two plain 2-D heap tensors.
 */
export function batchedProduct(
  wasm: WasmBackend,
  stock: (a: tf.TensorInfo, b: tf.TensorInfo) => tf.TensorInfo,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  outer: number[],
): tf.TensorInfo {
  const operand = (x: tf.TensorInfo, transposed: boolean): Operand => {
    const [rows, cols] = x.shape.slice(-2) as [number, number];
    return { info: x, rows, cols, entries: x.shape.slice(0, -2).reduce((s, d) => s * d, 1), transposed };
  };
  const [opA, opB] = [operand(a, transposeA), operand(b, transposeB)];
  const m = transposeA ? opA.cols : opA.rows;
  const k = transposeA ? opA.rows : opA.cols;
  const n = transposeB ? opB.rows : opB.cols;
  const batch = outer.reduce((s, d) => s * d, 1);
  const product = new Product(wasm, stock, opA, opB, m, k, n, [...outer, m, n]);
  const pool = parallelWorthIt(batch * m * k * n) ? matMulPool() : null;
  const whole = { e0: 0, e1: batch, r0: 0, r1: m, c0: 0, c1: n };
  if (pool) runPooled(product, pool, batch);
  else if (batch === 1 && wideProduct(k, n)) for (const [c0, c1] of ranges(n, Math.ceil(n / LOCAL_BLOCK_COLS), BLOCK_ALIGN)) product.runLocally({ ...whole, c0, c1 });
  else product.runLocally(whole);
  return product.out;
}
