/** One progress record: printed as a line and appended to train.jsonl. */
export interface ProgressRecord {
  step: number;
  total_steps: number;
  loss: number;
  /** Validation metrics by name (e.g. val_bpb), present on evaluation steps; null when not measurable. */
  val?: Record<string, number | null>;
  lr_multiplier: number;
  muon_momentum: number;
  ms_per_step: number;
  tokens_per_s: number;
  flops_per_s: number;
  /** Model FLOPs utilisation against the device peak, when that peak is known. */
  mfu?: number;
  eta_s: number;
  peak_rss_bytes: number;
  tensors: number;
  elapsed_s: number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

function formatFlops(flops: number): string {
  const units: Array<[number, string]> = [[1e12, 'TFLOP/s'], [1e9, 'GFLOP/s'], [1e6, 'MFLOP/s']];
  for (const [scale, unit] of units) if (flops >= scale) return `${(flops / scale).toFixed(2)} ${unit}`;
  return `${flops.toFixed(0)} FLOP/s`;
}

/** "val bpb 1.2345" per metric, in order; null prints n/a. */
export function formatMetrics(val: Record<string, number | null>): string[] {
  return Object.entries(val).map(([name, v]) => `${name.replaceAll('_', ' ')} ${v === null ? 'n/a' : v.toFixed(4)}`);
}

export function formatProgress(r: ProgressRecord): string {
  const parts = [
    `step ${r.step}/${r.total_steps}`,
    `loss ${r.loss.toFixed(4)}`,
    ...formatMetrics(r.val ?? {}),
    `lrm ${r.lr_multiplier.toFixed(3)}`,
    `${Math.round(r.tokens_per_s).toLocaleString('en-US')} tok/s`,
    formatFlops(r.flops_per_s),
    ...(r.mfu !== undefined ? [`MFU ${(r.mfu * 100).toFixed(2)}%`] : []),
    `${r.ms_per_step.toFixed(0)} ms/step`,
    `peak RSS ${(r.peak_rss_bytes / 1024 ** 2).toFixed(0)} MiB`,
    `ETA ${formatDuration(r.eta_s)}`,
  ];
  return parts.join(' | ');
}
