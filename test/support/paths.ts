import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (tests run from build/test/..., so walk up to the folder holding package.json). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The shared golden fixtures: FSAM_GOLDEN_DIR, else ../shared/golden beside the repository. */
export const goldenDir = process.env.FSAM_GOLDEN_DIR ? resolve(process.env.FSAM_GOLDEN_DIR) : resolve(repoRoot, '../shared/golden');
