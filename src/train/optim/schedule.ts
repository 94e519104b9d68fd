/**
 * Learning-rate and momentum schedules, as pure functions of the step so that a resumed run
 * computes exactly the values an uninterrupted one would.
 */
export interface LrScheduleConfig {
  warmup_ratio: number;
  warmdown_ratio: number;
  final_lr_frac: number;
}

/**
 * Multiplier on every base LR at `step` (0-based) of `totalSteps`: linear warmup to 1, constant,
 * then a linear warmdown that reaches `final_lr_frac` at the last step.
 */
export function lrMultiplier(step: number, totalSteps: number, cfg: LrScheduleConfig): number {
  const warmupSteps = Math.round(cfg.warmup_ratio * totalSteps);
  const warmdownSteps = Math.round(cfg.warmdown_ratio * totalSteps);
  if (step < warmupSteps) return (step + 1) / warmupSteps;
  const warmdownStart = totalSteps - warmdownSteps;
  if (step <= warmdownStart) return 1;
  const remaining = (totalSteps - step) / warmdownSteps;
  return remaining + (1 - remaining) * cfg.final_lr_frac;
}

export interface MomentumScheduleConfig {
  muon_momentum_start: number;
  muon_momentum: number;
  muon_momentum_warmup_steps: number;
}

/** Muon momentum ramps linearly from the start value to its final value over the warmup steps. */
export function muonMomentum(step: number, cfg: MomentumScheduleConfig): number {
  const warm = cfg.muon_momentum_warmup_steps;
  const progress = warm === 0 ? 1 : Math.min(step / warm, 1);
  return (1 - progress) * cfg.muon_momentum_start + progress * cfg.muon_momentum;
}
