/**
 * `npm run bench:interface`: how the interface copes with its two heavy moments, in Debian's Chromium
 * (FSAM_CHROMIUM to use another) against the web shell on a temporary store — the milliseconds to open a run
 * of 100,000 steps up to its first drawn chart, and the frame times and long page tasks while four runs
 * stream into the Compare screen. The same scenarios as the browser test (test/support/interfaceScenarios.ts),
 * which asserts what they must do; this prints how long they take. `--repeat N` measures N times.
 */
import { parseArgs } from 'node:util';
import { openStudio, percentile95 } from '../test/support/browser.js';
import { openRunUntilDrawn, storeLongRun, watchFourRunsStreaming } from '../test/support/interfaceScenarios.js';

const { values } = parseArgs({ options: { repeat: { type: 'string', default: '1' } }, strict: true });
const repeat = Number(values.repeat);
if (!Number.isInteger(repeat) || repeat < 1) {
  console.error(`--repeat must be a whole number ≥ 1, got "${values.repeat}"`);
  process.exit(2);
}

const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? Number.NaN;

for (let round = 1; round <= repeat; round++) {
  const studio = await openStudio({ concurrency: 4, query: '&perf=1' });
  try {
    const { openMs, drawn } = await openRunUntilDrawn(studio.page, storeLongRun(studio));
    const streaming = await watchFourRunsStreaming(studio);
    const { frameTimes, longTasks } = streaming;
    const prefix = repeat > 1 ? `[${round}/${repeat}] ` : '';
    console.log(`${prefix}open a run of 100,000 steps: ${openMs.toFixed(0)} ms to its first drawn chart (${drawn} points)`);
    console.log(
      `${prefix}four runs streaming: ${frameTimes.length} frames in 5 s, p95 frame time ${percentile95(frameTimes).toFixed(1)} ms, median ${median(frameTimes).toFixed(1)} ms; ` +
        `page tasks over 50 ms: ${longTasks.length} (${longTasks.reduce((a, b) => a + b, 0).toFixed(0)} ms in all); loss chart ${streaming.pointsBefore} → ${streaming.pointsAfter} points`,
    );
  } finally {
    await studio.close();
  }
}
