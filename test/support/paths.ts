import { delimiter, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (tests run from build/test/..., so walk up to the folder holding package.json). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Test inputs kept in the repository (a clone needs nothing beside it). */
export const fixturesDir = resolve(repoRoot, 'test/fixtures');

/**
 * Folders of golden trajectories: the repository's own, then every folder named in FSAM_GOLDEN_DIR
 * (joined by the platform's path delimiter), whose fixtures are added to the same replay.
 */
export const goldenDirs: string[] = [
  resolve(fixturesDir, 'golden'),
  ...(process.env.FSAM_GOLDEN_DIR ?? '').split(delimiter).filter((dir) => dir.length > 0).map((dir) => resolve(dir)),
];
