/** The golden trajectories to replay: every fixture of every golden folder (test/support/paths.ts). */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { GoldenFixture } from './goldenReplay.js';
import { goldenDirs } from './paths.js';

/** Every fixture of every golden folder; those of added folders are named with their folder. */
export function loadFixtures(): { file: string; fixture: GoldenFixture }[] {
  return goldenDirs.flatMap((dir, index) => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
    const label = (file: string) => (index === 0 ? file : `${basename(dir)}/${file}`);
    return files.map((file) => ({ file: label(file), fixture: JSON.parse(readFileSync(join(dir, file), 'utf8')) as GoldenFixture }));
  });
}
