/**
 * The studio's vocabulary, at the bottom of the layers: plain types and constants that the trainer, the
 * store, the run manager, analysis, export and the renderer share. Nothing here imports anything above it
 * (checked by .dependency-cruiser.cjs), and nothing here needs Node, so the renderer bundles it as is.
 */
export * from './analysis.js';
export * from './comparisons.js';
export * from './comparisonStanding.js';
export * from './datasets.js';
export * from './files.js';
export * from './metrics.js';
export * from './optimizers.js';
export * from './runStatus.js';
export * from './studies.js';
