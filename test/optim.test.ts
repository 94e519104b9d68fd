import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamW } from '../src/train/optim/adamw.js';
import { Muon } from '../src/train/optim/muon.js';
import { orthogonalise } from '../src/train/optim/newton-schulz.js';
import type { ParamGroup } from '../src/model/params.js';
import { baseLrs, ModelOptimizers } from '../src/train/optim/optimizers.js';
import { lrMultiplier, muonMomentum } from '../src/train/optim/schedule.js';
import { Prng } from '../src/util/prng.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function randomMatrix(rows: number, cols: number, seed: number): tf.Tensor2D {
  const rng = new Prng(seed);
  const values = Float32Array.from({ length: rows * cols }, () => rng.nextU32() / 2 ** 32 - 0.5);
  return tf.tensor2d(values, [rows, cols]);
}

/** Eigenvalues of a symmetric matrix by cyclic Jacobi rotations (plain JS, float64). */
function symmetricEigenvalues(a: number[][]): number[] {
  const n = a.length;
  const m = a.map((r) => [...r]);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p]![q]! ** 2;
    if (off < 1e-20) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p]![q]!;
        if (Math.abs(apq) < 1e-30) continue;
        const theta = (m[q]![q]! - m[p]![p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = m[k]![p]!;
          const akq = m[k]![q]!;
          m[k]![p] = c * akp - s * akq;
          m[k]![q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = m[p]![k]!;
          const aqk = m[q]![k]!;
          m[p]![k] = c * apk - s * aqk;
          m[q]![k] = s * apk + c * aqk;
        }
      }
    }
  }
  return m.map((r, i) => r[i]!);
}

function singularValues(x: tf.Tensor2D): number[] {
  const [rows, cols] = x.shape;
  const gram = (rows <= cols ? tf.matMul(x, x, false, true) : tf.matMul(x, x, true, false)).arraySync() as number[][];
  return symmetricEigenvalues(gram).map((e) => Math.sqrt(Math.max(e, 0)));
}

describe('Newton–Schulz orthogonalisation', () => {
  it.each([
    [12, 24],
    [24, 12],
    [16, 16],
  ])('maps a random %i×%i matrix to singular values in the quintic band', (rows, cols) => {
    const g = randomMatrix(rows, cols, rows * 100 + cols);
    const before = singularValues(g);
    const o = orthogonalise(g);
    expect(o.shape).toEqual([rows, cols]);
    const after = singularValues(o);
    // The input is far from orthogonal (spread of singular values) …
    expect(Math.max(...before) / Math.min(...before)).toBeGreaterThan(3);
    // … the output's singular values all sit near 1 (the quintic aims at ~[0.7, 1.2], not exactly 1).
    for (const s of after) {
      expect(s).toBeGreaterThan(0.6);
      expect(s).toBeLessThan(1.25);
    }
    tf.dispose([g, o]);
  });

  it('orthogonalises each matrix of a batch to the bits it gets alone (wide and tall)', () => {
    for (const [rows, cols] of [
      [12, 24],
      [24, 12],
    ] as const) {
      const alone = [1, 2, 3].map((seed) => randomMatrix(rows, cols, seed));
      const batch = tf.stack(alone) as tf.Tensor3D;
      const together = orthogonalise(batch);
      expect(together.shape).toEqual([3, rows, cols]);
      const entries = tf.unstack(together);
      alone.forEach((g, i) => {
        const single = orthogonalise(g);
        expect(Array.from(entries[i]!.dataSync())).toEqual(Array.from(single.dataSync()));
        single.dispose();
      });
      tf.dispose([...alone, batch, together, ...entries]);
    }
  });

  it('frees every intermediate', () => {
    const g = randomMatrix(8, 16, 1);
    const before = tf.memory().numTensors;
    orthogonalise(g).dispose();
    expect(tf.memory().numTensors).toBe(before);
    g.dispose();
  });
});

describe('AdamW', () => {
  it('matches a hand computation over two steps with decoupled weight decay', () => {
    const p = tf.variable(tf.tensor1d([1, -2]), true, 'adamw-test-p');
    const opt = new AdamW(new Map([['p', p]]), { beta1: 0.8, beta2: 0.95, eps: 1e-10, weightDecay: 0.1 });
    const lr = 0.01;
    const gradsSeq = [
      [0.5, -1],
      [0.25, 2],
    ];
    // Hand computation in float64.
    let w = [1, -2];
    let m = [0, 0];
    let v = [0, 0];
    gradsSeq.forEach((g, t) => {
      m = m.map((mi, i) => 0.8 * mi + 0.2 * g[i]!);
      v = v.map((vi, i) => 0.95 * vi + 0.05 * g[i]! ** 2);
      const mh = m.map((mi) => mi / (1 - 0.8 ** (t + 1)));
      const vh = v.map((vi) => vi / (1 - 0.95 ** (t + 1)));
      w = w.map((wi, i) => wi * (1 - lr * 0.1) - (lr * mh[i]!) / (Math.sqrt(vh[i]!) + 1e-10));
      const grad = tf.tensor1d(g);
      opt.step(new Map([['p', grad]]), lr);
      grad.dispose();
    });
    const got = Array.from(p.dataSync());
    got.forEach((x, i) => expect(x).toBeCloseTo(w[i]!, 6));
    expect(opt.steps).toBe(2);
    opt.dispose();
    p.dispose();
  });
});

describe('Muon', () => {
  it('moves a weight by lr × sqrt(max(1, fanOut/fanIn)) × an orthogonal matrix', () => {
    const rows = 8;
    const cols = 32; // fanOut/fanIn = 4 → scale 2
    const p = tf.variable(tf.zeros([rows, cols]), true, 'muon-test-p');
    const opt = new Muon(new Map([['w', p]]));
    const g = randomMatrix(rows, cols, 7);
    opt.step(new Map([['w', g]]), 0.01, 0.95);
    const delta = tf.tidy(() => p.mul(-1 / (0.01 * 2))) as tf.Tensor2D;
    for (const s of singularValues(delta)) {
      expect(s).toBeGreaterThan(0.6);
      expect(s).toBeLessThan(1.25);
    }
    // The momentum buffer after one step from zero is (1 − momentum)·g.
    const expected = tf.tidy(() => g.mul(0.05));
    expect(Array.from(opt.momentum.get('w')!.dataSync())).toEqual(Array.from(expected.dataSync()));
    expect(Muon.updateScale([rows, cols])).toBe(2);
    expect(Muon.updateScale([cols, rows])).toBe(1);
    tf.dispose([delta, g, expected]);
    opt.dispose();
    p.dispose();
  });
});

describe('schedules', () => {
  const cfg = { warmup_ratio: 0.1, warmdown_ratio: 0.2, final_lr_frac: 0 };
  it('warms up linearly, holds, then decays linearly to final_lr_frac', () => {
    expect(lrMultiplier(0, 100, cfg)).toBeCloseTo(0.1);
    expect(lrMultiplier(4, 100, cfg)).toBeCloseTo(0.5);
    expect(lrMultiplier(9, 100, cfg)).toBeCloseTo(1);
    expect(lrMultiplier(50, 100, cfg)).toBe(1);
    expect(lrMultiplier(80, 100, cfg)).toBe(1);
    expect(lrMultiplier(90, 100, cfg)).toBeCloseTo(0.5);
    expect(lrMultiplier(99, 100, cfg)).toBeCloseTo(0.05);
    expect(lrMultiplier(90, 100, { ...cfg, final_lr_frac: 0.2 })).toBeCloseTo(0.6);
    expect(lrMultiplier(0, 10, { warmup_ratio: 0, warmdown_ratio: 0, final_lr_frac: 0 })).toBe(1);
  });

  it('ramps Muon momentum from 0.85 to 0.95 over the warmup steps', () => {
    const m = { muon_momentum_start: 0.85, muon_momentum: 0.95, muon_momentum_warmup_steps: 300 };
    expect(muonMomentum(0, m)).toBeCloseTo(0.85);
    expect(muonMomentum(150, m)).toBeCloseTo(0.9);
    expect(muonMomentum(300, m)).toBeCloseTo(0.95);
    expect(muonMomentum(1000, m)).toBeCloseTo(0.95);
  });

  it('scales the AdamW LRs by (d_model/768)^-0.5 and leaves Muon’s alone', () => {
    const lrs = baseLrs({ embedding_lr: 0.2, unembedding_lr: 0.004, matrix_lr: 0.02 } as never, 192);
    expect(lrs.embedding).toBeCloseTo(0.4);
    expect(lrs.unembedding).toBeCloseTo(0.008);
    expect(lrs.matrix).toBe(0.02);
  });
});

describe('ModelOptimizers', () => {
  it('assigns wte/lm_head to AdamW and block matrices to Muon, with flat tensor counts', () => {
    const params = new Map<string, tf.Variable>([
      ['wte', tf.variable(randomMatrix(16, 8, 1), true, 'mo-wte')],
      ['h.0.mlp.fc', tf.variable(randomMatrix(8, 32, 2), true, 'mo-fc')],
      ['lm_head', tf.variable(randomMatrix(8, 16, 3), true, 'mo-head')],
    ]);
    const cfg = {
      embedding_lr: 0.2, unembedding_lr: 0.004, matrix_lr: 0.02, weight_decay: 0,
      warmup_ratio: 0, warmdown_ratio: 0.2, final_lr_frac: 0,
      muon_momentum: 0.95, muon_momentum_start: 0.85, muon_momentum_warmup_steps: 300,
    };
    const paramGroups = new Map<string, ParamGroup>([['wte', 'embedding'], ['h.0.mlp.fc', 'matrix'], ['lm_head', 'unembedding']]);
    const opt = new ModelOptimizers({ params, paramGroups, dims: { dModel: 8 } }, cfg);
    expect([...opt.embedding.m.keys()]).toEqual(['wte']);
    expect([...opt.unembedding.m.keys()]).toEqual(['lm_head']);
    expect([...opt.matrices.momentum.keys()]).toEqual(['h.0.mlp.fc']);
    expect([...opt.stateTensors().keys()].sort()).toEqual([
      'adamw.embedding.wte.m', 'adamw.embedding.wte.v', 'adamw.unembedding.lm_head.m', 'adamw.unembedding.lm_head.v',
      'muon.h.0.mlp.fc.momentum',
    ]);
    const counts: number[] = [];
    for (let step = 0; step < 4; step++) {
      const grads = new Map([...params].map(([n, p]) => [n, tf.onesLike(p)] as [string, tf.Tensor]));
      opt.step(grads, step, 10);
      tf.dispose([...grads.values()]);
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
    opt.dispose();
    tf.dispose([...params.values()]);
  });
});
