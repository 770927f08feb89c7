/** The optimizers the studio trains with, by the name a config uses. */
export const OPTIMIZER_NAMES = ['sgd', 'sam', 'fsam'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];
