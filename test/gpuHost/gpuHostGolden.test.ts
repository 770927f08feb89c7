/**
 * The golden trajectories on the desktop app's GPU route: Chromium's own WebGPU (SwiftShader here, Debian's
 * Chromium headless), loaded the way the GPU host page loads it (app/runs/gpuHost.ts's loadPageWebGpu),
 * under the host page's Content-Security-Policy, replayed by the same code and within the same tolerance as
 * on wasm, cpu and Dawn (test/support/goldenReplay.ts). Skipped, saying why, without Chromium or an adapter.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { build } from 'vite';
import type { WebGpuAdapterInfo } from '../../app/engine/webgpuDevice.js';
import { gpuHostPageConfig } from '../../main/gpuHost/vite.config.js';
import { loadFixtures } from '../support/goldenFixtures.js';
import { launchWebGpuChromium, serveFolder } from '../support/gpuHostBrowser.js';
import { replayLine, type GoldenFixture, type ReplayResult } from '../support/goldenReplay.js';
import { repoRoot } from '../support/paths.js';
import { temporaryFolder } from '../support/runs.js';

const folder = temporaryFolder('fsam-gpu-host-golden-');
after(() => folder.remove());

async function openGoldenPage(): Promise<{ page: Page; adapter: WebGpuAdapterInfo; close(): Promise<void> } | { unavailable: string }> {
  const launched = await launchWebGpuChromium();
  if ('unavailable' in launched) return launched;
  const out = join(folder.path, 'page');
  await build({ ...gpuHostPageConfig(join(repoRoot, 'test', 'gpuHost'), out), configFile: false });
  const server = await serveFolder(out);
  const close = async () => {
    await launched.browser.close();
    await server.close();
  };
  const page = await launched.browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(server.url);
  await page.waitForFunction(() => 'fsamGolden' in window);
  try {
    const adapter = await page.evaluate(() => (window as unknown as { fsamGolden: { load(): Promise<WebGpuAdapterInfo> } }).fsamGolden.load());
    assert.deepEqual(errors, [], 'the page ran under its policy without an error');
    return { page, adapter, close };
  } catch (error) {
    await close();
    return { unavailable: `Chromium's WebGPU gave no adapter: ${(error as Error).message.split('\n')[0]}` };
  }
}

const opened = await openGoldenPage();
const skip = 'unavailable' in opened ? opened.unavailable : undefined;
after(async () => {
  if (!('unavailable' in opened)) await opened.close();
});

test("the GPU host's WebGPU is an adapter, named as the run records it", { skip }, (t) => {
  if ('unavailable' in opened) return;
  t.diagnostic(`adapter: ${JSON.stringify(opened.adapter)}`);
  assert.ok(opened.adapter.maxStorageBuffersPerShaderStage >= 8);
  // SwiftShader here, which says so only in its architecture: it must count as software (never chosen on its own)
  if (/swiftshader/i.test(opened.adapter.architecture)) assert.equal(opened.adapter.software, true);
});

for (const { file, fixture } of loadFixtures()) {
  test(`golden ${file} on webgpu in Chromium (the GPU host's route)`, { skip }, async (t) => {
    if ('unavailable' in opened) return;
    const result = await opened.page.evaluate(
      (input) => (window as unknown as { fsamGolden: { replay(fixture: GoldenFixture): Promise<ReplayResult & { leftTensors: number; ms: number; backend: string }> } }).fsamGolden.replay(input),
      fixture,
    );
    t.diagnostic(`${replayLine('webgpu (Chromium)', fixture, result)}; ${Math.round(result.ms)} ms for ${fixture.steps.length} steps`);
    assert.equal(result.backend, 'webgpu');
    assert.deepEqual(result.failures, [], `${fixture.name} on Chromium's WebGPU left the tolerance`);
    assert.equal(result.leftTensors, 0, 'replaying a fixture leaves no tensors behind');
  });
}
