import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../backend/select.js';
import { Gpt } from '../../model/gpt.js';
import { microBatchGradients, microBatchLoss } from '../gradients.js';
import type { StepRequest, WorkerReply, WorkerSetup } from './protocol.js';

/**
 * A gradient worker thread (started by gradient-pool.ts): a replica of the main thread's model on the same
 * backend with the same kernels (initBackend installs them), which computes the micro-batches it is sent on
 * the shared weights and returns each one's loss and gradients separately.
 */

const port = parentPort!;
const setup = workerData as WorkerSetup;

function reply(message: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

/** Copies the shared weights into the replica's variables (copies: the main thread rewrites the buffers). */
function loadWeights(model: Gpt): void {
  tf.tidy(() => {
    for (const { name, shape, buffer } of setup.weights) model.params.get(name)!.assign(tf.tensor(new Float32Array(buffer).slice(), shape, 'float32'));
  });
}

function computeStep(model: Gpt, request: StepRequest): void {
  loadWeights(model);
  for (const batch of request.batches) {
    if (request.lossOnly) {
      const value = microBatchLoss(model, batch);
      const loss = value.dataSync()[0]!;
      value.dispose();
      reply({ kind: 'micro', loss, grads: [], numTensors: tf.memory().numTensors });
      continue;
    }
    const { value, grads } = microBatchGradients(model, batch);
    // Fresh arrays the worker owns, so handing them over cannot detach backend storage.
    const arrays = grads.map((g) => new Float32Array(g.dataSync()));
    const loss = value.dataSync()[0]!;
    tf.dispose([value, ...grads]);
    reply({ kind: 'micro', loss, grads: arrays, numTensors: tf.memory().numTensors }, arrays.map((a) => a.buffer as ArrayBuffer));
  }
}

async function main(): Promise<void> {
  await initBackend(setup.backend);
  // The seed only fills weights that the first step overwrites.
  const model = new Gpt(setup.model, 0);
  port.on('message', (request: StepRequest) => {
    try {
      computeStep(model, request);
    } catch (err) {
      reply({ kind: 'error', message: (err as Error).message });
    }
  });
  reply({ kind: 'ready', numTensors: tf.memory().numTensors });
}

main().catch((err: unknown) => reply({ kind: 'error', message: (err as Error).message }));
