/**
 * A test page (never packed): the golden replay (test/support/goldenReplay.ts) on the GPU host's own engine
 * loading (app/runs/gpuHost.ts's loadPageWebGpu), under the host page's Content-Security-Policy. The test
 * drives it with playwright: `fsamGolden.load()`, then `fsamGolden.replay(fixture)` per fixture.
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadPageWebGpu } from '../../app/runs/gpuHost.js';
import { replay, type GoldenFixture } from '../support/goldenReplay.js';

const page = globalThis as unknown as { navigator: { gpu?: GPU }; fsamGolden: unknown };
page.fsamGolden = {
  load: () => loadPageWebGpu(page.navigator.gpu),
  replay: async (fixture: GoldenFixture) => {
    const before = tf.memory().numTensors;
    const started = performance.now();
    const result = await replay(fixture);
    return { ...result, leftTensors: tf.memory().numTensors - before, ms: performance.now() - started, backend: tf.getBackend() };
  },
};
