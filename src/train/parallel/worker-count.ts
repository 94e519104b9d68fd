import { availableParallelism } from 'node:os';
import { UserError } from '../../errors.js';

/** `--workers`: threads computing each step's micro-batches, or 'auto'. */
export type WorkerRequest = number | 'auto';

/** The backends whose kernels run on one CPU thread, so worker threads add cores (wasm under Node, cpu). */
export const PARALLEL_BACKENDS = ['wasm', 'cpu'] as const;
export type ParallelBackend = (typeof PARALLEL_BACKENDS)[number];

export function isParallelBackend(backend: string): backend is ParallelBackend {
  return (PARALLEL_BACKENDS as readonly string[]).includes(backend);
}

/** Parses the --workers flag value. */
export function parseWorkerRequest(value: string): WorkerRequest {
  if (value === 'auto') return 'auto';
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 256) {
    throw new UserError(`--workers must be 'auto' or an integer from 1 to 256, got '${value}'`);
  }
  return Number(value);
}

/**
 * Threads that will compute gradients: 'auto' is min(cores, micro-batches per step) on wasm and cpu, 1 on
 * the backends that parallelise themselves (tensorflow, webgpu). More threads than micro-batches would idle,
 * so an explicit count is capped at the micro-batch count; on tensorflow or webgpu only 1 is accepted.
 */
export function resolveWorkerCount(request: WorkerRequest, backend: string, microBatches: number): number {
  if (!isParallelBackend(backend)) {
    if (request !== 'auto' && request > 1) {
      throw new UserError(`--workers ${request}: worker threads apply to the ${PARALLEL_BACKENDS.join(' and ')} backends, not ${backend}; use --workers 1`);
    }
    return 1;
  }
  const wanted = request === 'auto' ? availableParallelism() : request;
  return Math.max(1, Math.min(wanted, microBatches));
}
