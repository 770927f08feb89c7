/** The optimizers the studio trains with, by the name a config uses. */
export const OPTIMIZER_NAMES = ['sgd', 'sam', 'fsam'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/** The fields of an optimizer config that decide what it is called. */
export interface OptimizerIdentity {
  name: OptimizerName;
  adaptive?: boolean;
  perturbation?: 'batch' | 'fullGradientEma' | 'fullGradientExact';
  fullGradientEvery?: number;
}

/**
 * The optimizer's name for people, the same in the UI, the CLI and reports: "SGD", "SAM", "ASAM", "F-SAM",
 * and the paper's decomposition of SAM's perturbation, "SAM (full-gradient part, EMA)" and "SAM
 * (full-gradient part, exact every K steps)"; its noise part alone is F-SAM with σ = 1.
 */
export function optimizerTitle(optimizer: OptimizerIdentity): string {
  switch (optimizer.name) {
    case 'sgd':
      return 'SGD';
    case 'fsam':
      return optimizer.adaptive ? 'adaptive F-SAM' : 'F-SAM';
    case 'sam': {
      const sam = optimizer.adaptive ? 'ASAM' : 'SAM';
      if (optimizer.perturbation === 'fullGradientEma') return `${sam} (full-gradient part, EMA)`;
      if (optimizer.perturbation === 'fullGradientExact') return `${sam} (full-gradient part, exact every ${optimizer.fullGradientEvery ?? 100} steps)`;
      return sam;
    }
  }
}
