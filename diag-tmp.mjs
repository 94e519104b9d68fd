import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
const D = '/work/main/dist/';
const { initBackend } = await import(D + 'backend/select.js');
const { loadPlanner } = await import(D + 'infer/planner.js');
const { renderExample } = await import(D + 'infer/chat-template.js');
await initBackend('wasm');
const [plansFile, evalFile, ckpt] = process.argv.slice(2);
const plans = new Map(readFileSync(plansFile, 'utf8').split('\n').filter(Boolean).map(JSON.parse).map((x) => [x.id, x]));
const ev = JSON.parse(readFileSync(evalFile, 'utf8'));
const p = loadPlanner(ckpt);
async function score(ex, text) {
  const { tokens, lossMask } = renderExample(p.tokenizer, ex.tools, ex.goal, text);
  const inp = tf.tensor2d(tokens.slice(0, -1), [1, tokens.length - 1], 'int32');
  const tgt = tf.tensor2d(tokens.slice(1), [1, tokens.length - 1], 'int32');
  const l = await p.model.tokenLosses(inp, tgt).data();
  tf.dispose([inp, tgt]);
  let s = 0; for (let i = 1; i < tokens.length; i++) if (lossMask[i]) s += l[i - 1];
  return -s;
}
let search = 0, model = 0;
for (const c of ev.cases) {
  if (c.scores.pass) continue;
  const ex = plans.get(c.id);
  const ref = typeof ex.plan === 'string' ? ex.plan : JSON.stringify(ex.plan);
  const a = await score(ex, ref), b = await score(ex, c.output);
  if (a > b) search++; else model++;
  console.log(c.id, a.toFixed(2), b.toFixed(2), a > b ? 'SEARCH' : 'MODEL');
}
console.log('search errors', search, 'model errors', model);
