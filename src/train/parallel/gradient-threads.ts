import { shareCoresWithGradientThreads } from '../../backend/wasm-matmul-pool.js';
import type { Gpt } from '../../model/gpt.js';
import { GradientPool } from './gradient-pool.js';
import { isParallelBackend } from './worker-count.js';

/** A run's gradient threads: the pool to hand to accumulateGradients, and close() for the run's end. */
export interface GradientThreads {
  pool: GradientPool;
  close(): Promise<void>;
}

/**
 * Starts `threads` − 1 gradient workers replicating `model` (null when `threads` is 1 or the backend
 * parallelises itself). The gradient threads fill the cores while they compute; the optimizer step, which
 * runs on this thread alone while they sleep (inside whileGradientThreadsIdle), gets the wasm matMul threads
 * instead. close() stops the workers and gives the matMul pool its size from before.
 */
export async function startGradientThreads(backend: string, model: Gpt, threads: number): Promise<GradientThreads | null> {
  if (threads <= 1 || !isParallelBackend(backend)) return null;
  const releaseCores = backend === 'wasm' ? await shareCoresWithGradientThreads(threads) : null;
  try {
    const pool = await GradientPool.start({ backend, model, threads });
    return {
      pool,
      close: async () => {
        await pool.close();
        await releaseCores?.();
      },
    };
  } catch (err) {
    await releaseCores?.();
    throw err;
  }
}
