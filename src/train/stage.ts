import type { Gpt } from '../model/gpt.js';
import type { CheckpointKind } from './checkpoint.js';
import type { GradientHelpers } from './gradients.js';
import type { Batch, LoaderPosition } from './loader.js';
import type { NamedTensor } from './safetensors.js';

/** Training batches in a deterministic order whose position can be saved and resumed from. */
export interface BatchStream {
  /** The next `rows` rows, or null if the stream ran dry (a training stream never does: it cycles epochs). */
  nextBatch(rows: number): Promise<Batch | null>;
  /** Taken between batches, it resumes at the next batch. */
  getPosition(): LoaderPosition;
}

/**
 * What distinguishes one training stage (base pretraining, SFT) from another; the optimisation loop,
 * checkpoints, resume, progress lines and the jsonl log are shared (src/train/trainer.ts).
 */
export interface TrainingStage {
  /** Names the stage in the header line ('base train', 'sft'). */
  readonly name: string;
  /** What its weight files say they hold (checkpoint.ts WEIGHTS_FORMATS). */
  readonly checkpointKind: CheckpointKind;
  /** Total steps when neither --max-steps nor a resumed checkpoint fixes them. */
  readonly defaultSteps: number;
  /** The training batches from `position` (the start when undefined). */
  openTrain(position: LoaderPosition | undefined): BatchStream;
  /**
   * Validation metrics by name (e.g. `val_bpb`), computed at evaluation steps; null when not measurable.
   * `helpers`: the run's gradient threads, idle meanwhile, which may compute batch losses too.
   */
  evaluate(model: Gpt, helpers?: GradientHelpers): Promise<Record<string, number | null>>;
  /** Also evaluate before the first step of a fresh run (SFT: the base model's loss on the new task). */
  readonly evaluateAtStart?: boolean;
  /** A text sample printed and logged at evaluation steps; null for none. */
  sample(model: Gpt): Promise<string | null>;
  /** Weights to start from instead of the seeded random init (ignored on resume, which restores its own). */
  readonly initialWeights?: { tensors: ReadonlyMap<string, NamedTensor>; source: string };
  /**
   * What the run is built from beyond its config (e.g. the base checkpoint and dataset hashes):
   * saved in every meta file and required to be identical on resume.
   */
  readonly lineage?: Record<string, unknown>;
}
