/**
 * The desktop app's IPC handlers on a real service and store, called the way Electron's ipcMain calls them —
 * with an event object naming the sender (faked: Electron's binary cannot run in these tests). Foreign
 * senders and bad input are refused without touching the store; the preload's bridge, wired to the handlers
 * through a structured-clone "IPC", drives a real run and its stream.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { StudioService } from '../../app/api/service.js';
import type { RunInfo, RunStreamEvent } from '../../app/api/types.js';
import { IPC_CHANNELS, type IpcReply } from '../../main/electron/channels.js';
import { createStudioIpcHandlers, studioSenderCheck, type IpcEventLike, type StudioIpcHandlers } from '../../main/electron/ipc.js';
import { createStudioBridge, type IpcRendererLike } from '../../main/electron/preloadBridge.js';
import { temporaryFolder, tinyRunConfig, until } from '../support/runs.js';

const OUR_CONTENTS = 7;
// a packaged app's path, with a space, as Chromium reports it percent-encoded
const RENDERER_URL = pathToFileURL('/opt/F-SAM Studio/resources/app.asar/build/renderer/index.html').href;

const folder = temporaryFolder('fsam-ipc-');
let service: StudioService;
let handlers: StudioIpcHandlers;

before(() => {
  service = StudioService.open({ databasePath: join(folder.path, 'studio.db'), concurrency: 1 });
  handlers = createStudioIpcHandlers(service, studioSenderCheck((id) => id === OUR_CONTENTS, RENDERER_URL));
});

after(async () => {
  handlers.dispose();
  await service.close();
  folder.remove();
});

interface FakeSender {
  event: IpcEventLike;
  sent: unknown[][];
  destroy(): void;
}

/** An IpcMainInvokeEvent as Electron builds it: the sending webContents and frame. */
function sender(options: { contentsId?: number; url?: string; parent?: unknown; frame?: null } = {}): FakeSender {
  const sent: unknown[][] = [];
  let destroyed = false;
  const contents = {
    id: options.contentsId ?? OUR_CONTENTS,
    send: (channel: string, ...args: unknown[]) => void sent.push([channel, ...args]),
    isDestroyed: () => destroyed,
  };
  const frame = options.frame === null ? null : { url: options.url ?? `${RENDERER_URL}#/runs`, parent: options.parent ?? null };
  return { event: { sender: contents, senderFrame: frame }, sent, destroy: () => (destroyed = true) };
}

function assertRefused(reply: IpcReply, pattern: RegExp): void {
  assert.equal(reply.ok, false, 'refused');
  if (reply.ok) return;
  assert.equal(reply.error.name, 'SecurityError');
  assert.match(reply.error.message, pattern);
}

test('the sender check: only our window, its main frame, showing our renderer (any hash route)', () => {
  const check = studioSenderCheck((id) => id === OUR_CONTENTS, RENDERER_URL);
  assert.equal(check(sender().event), undefined);
  assert.equal(check(sender({ url: `${RENDERER_URL}?perf=1#/compare/3` }).event), undefined);
  assert.match(check(sender({ contentsId: 99 }).event) ?? '', /not a studio window/);
  assert.match(check(sender({ parent: { url: RENDERER_URL } }).event) ?? '', /subframe/);
  assert.match(check(sender({ frame: null }).event) ?? '', /frame is gone/);
  assert.match(check(sender({ url: 'https://evil.example/index.html' }).event) ?? '', /not the studio's renderer/);
  assert.match(check(sender({ url: pathToFileURL('/opt/F-SAM Studio/resources/app.asar/build/renderer/other.html').href }).event) ?? '', /not the studio's renderer/);
  assert.match(check(sender({ url: 'file:///tmp/index.html' }).event) ?? '', /not the studio's renderer/);
  assert.match(check(sender({ url: 'not a url' }).event) ?? '', /not the studio's renderer/);
  assert.match(check(undefined as unknown as IpcEventLike) ?? '', /no sender/);
  assert.match(check({ sender: {} } as unknown as IpcEventLike) ?? '', /no sender/);
  assert.throws(() => studioSenderCheck(() => true, 'http://localhost:5173/'), /must be a file URL/);
});

test('calls and subscriptions from a foreign sender are refused, logged, and change nothing', async (t) => {
  const warnings = t.mock.method(console, 'warn', () => {});
  const foreign = [
    sender({ contentsId: 99 }),
    sender({ parent: { url: RENDERER_URL } }),
    sender({ url: 'https://evil.example/' }),
    sender({ frame: null }),
  ];
  for (const { event, sent } of foreign) {
    assertRefused(await handlers.call(event, 'startRun', [{ config: tinyRunConfig() }]), /refused/);
    assertRefused(await handlers.call(event, 'listRuns', []), /refused/);
    assertRefused(await handlers.subscribe(event, 1, 'onRunUpdate', []), /refused/);
    assert.equal(handlers.subscriptionCount(event.sender.id), 0);
    assert.deepEqual(sent, [], 'nothing is sent back to a foreign sender');
  }
  const listed = await handlers.call(sender().event, 'listRuns', []);
  assert.deepEqual(listed, { ok: true, value: [] }, 'no run was started');
  assert.equal(warnings.mock.callCount(), foreign.length * 3, 'every refusal is logged in the main process');
  assert.match(String(warnings.mock.calls[0]?.arguments[0]), /refused IPC on studio:call: webContents 99 is not a studio window/);
});

test('bad input from our own window is refused with a ConfigError naming what was wrong', async () => {
  const { event } = sender();
  const refusedCall = async (method: unknown, args: unknown, pattern: RegExp) => {
    const reply = await handlers.call(event, method, args);
    assert.equal(reply.ok, false, `${String(method)} refused`);
    if (!reply.ok) {
      assert.equal(reply.error.name, 'ConfigError', `${String(method)}: ${reply.error.message}`);
      assert.match(reply.error.message, pattern);
    }
  };
  // names that are not StudioApi calls — including methods the service object does have
  for (const method of ['deleteEverything', 'close', 'store', 'manager', 'constructor', '__proto__', 'onRunUpdate', 'subscribeRun', 42, null, undefined]) {
    await refusedCall(method, [], /^Bad call — method:/);
  }
  for (const args of ['nope', null, undefined, { length: 1, 0: 1 }, 3]) await refusedCall('getRun', args, /^Bad call — args:/);
  await refusedCall('listRuns', [1, 2, 3, 4, 5], /^Bad call — args:/);
  // the service's own checks name the argument's field
  await refusedCall('getRun', ['3'], /runId/);
  await refusedCall('startRun', [{ config: { optimizer: { name: 'fsam', lr: 0.1, rho: -1 } } }], /optimizer\.rho/);
  const missing = await handlers.call(event, 'getRun', [4242]);
  assert.equal(missing.ok, false);
  if (!missing.ok) assert.equal(missing.error.name, 'NotFoundError');

  for (const id of [-1, 1.5, '1', null, Number.NaN]) {
    const reply = await handlers.subscribe(event, id, 'onRunUpdate', []);
    assert.equal(reply.ok, false, `subscription id ${String(id)} refused`);
    if (!reply.ok) assert.match(reply.error.message, /^Bad subscription — id:/);
  }
  for (const method of ['listRuns', 'info', 'subscribe', '']) {
    const reply = await handlers.subscribe(event, 1, method, []);
    assert.equal(reply.ok, false, `subscription method ${method} refused`);
    if (!reply.ok) assert.match(reply.error.message, /^Bad subscription — method:/);
  }
  const badArgs = await handlers.subscribe(event, 1, 'subscribeRun', { runId: 1 });
  assert.equal(badArgs.ok, false);
  const badRun = await handlers.subscribe(event, 1, 'subscribeRun', ['one', {}]);
  assert.equal(badRun.ok, false);
  if (!badRun.ok) assert.match(badRun.error.message, /runId/);
  assert.equal(handlers.subscriptionCount(OUR_CONTENTS), 0, 'no refused subscription was kept');
  handlers.unsubscribe(event, 'junk');
  handlers.unsubscribe(event, 12345);

  const info = await handlers.call(event, 'info', []);
  assert.equal(info.ok, true);
  if (info.ok) assert.equal((info.value as { databasePath: string }).databasePath, join(folder.path, 'studio.db'));
});

test('subscriptions: events go back to the subscriber only, end on unsubscribe, on navigation, and with a destroyed window', async (t) => {
  t.mock.method(console, 'warn', () => {});
  const window = sender();
  assert.deepEqual(await handlers.subscribe(window.event, 1, 'onRunUpdate', []), { ok: true, value: null });
  assert.equal(handlers.subscriptionCount(OUR_CONTENTS), 1);
  // a foreign sender cannot end ours
  handlers.unsubscribe(sender({ contentsId: 99 }).event, 1);
  handlers.unsubscribe(sender({ url: 'https://evil.example/' }).event, 1);
  assert.equal(handlers.subscriptionCount(OUR_CONTENTS), 1);

  const started = await handlers.call(window.event, 'startRun', [{ config: tinyRunConfig({ epochs: 1 }) }]);
  assert.equal(started.ok, true);
  const runId = started.ok ? (started.value as RunInfo).id : 0;
  await until(() => window.sent.length > 0, 'a run update');
  for (const message of window.sent) {
    assert.equal(message[0], IPC_CHANNELS.event);
    assert.equal(message[1], 1);
    assert.equal((message[2] as RunInfo).id, runId);
  }
  handlers.unsubscribe(window.event, 1);
  assert.equal(handlers.subscriptionCount(OUR_CONTENTS), 0);

  // a page that reloads or a window that closes leaves nothing subscribed
  await handlers.subscribe(window.event, 1, 'onRunUpdate', []);
  await handlers.subscribe(window.event, 2, 'subscribeRun', [runId, {}]);
  assert.equal(handlers.subscriptionCount(OUR_CONTENTS), 2);
  await handlers.subscribe(window.event, 2, 'subscribeRun', [runId, { afterStep: 3 }]);
  assert.equal(handlers.subscriptionCount(OUR_CONTENTS), 2, 'a repeated id replaces its subscription');
  handlers.forget(OUR_CONTENTS);
  assert.equal(handlers.subscriptionCount(OUR_CONTENTS), 0);

  // a window destroyed before the main process heard of it: its subscription ends at the next event
  const closing = sender();
  await handlers.subscribe(closing.event, 5, 'onRunUpdate', []);
  closing.destroy();
  const second = await handlers.call(window.event, 'startRun', [{ config: tinyRunConfig({ epochs: 1 }) }]);
  assert.equal(second.ok, true);
  await until(() => handlers.subscriptionCount(OUR_CONTENTS) === 0, 'the destroyed window’s subscription to end');
  assert.deepEqual(closing.sent, [], 'nothing is sent to a destroyed webContents');
  await service.manager.waitForEnd(runId);
  if (second.ok) await service.manager.waitForEnd((second.value as RunInfo).id);
});

/**
 * Electron's IPC without Electron: the bridge's ipcRenderer calls the handlers with our window's event,
 * every value crossing as a structured clone, as it does between processes.
 */
function loopbackIpc(target: StudioIpcHandlers): IpcRendererLike & { listenersOn(channel: string): number } {
  const listeners = new Map<string, ((event: unknown, ...args: unknown[]) => void)[]>();
  const window = sender();
  window.event.sender.send = (channel: string, ...args: unknown[]) => {
    for (const listener of listeners.get(channel) ?? []) listener({}, ...structuredClone(args));
  };
  return {
    async invoke(channel: string, ...raw: unknown[]) {
      const args = structuredClone(raw);
      if (channel === IPC_CHANNELS.call) return structuredClone(await target.call(window.event, args[0], args[1]));
      if (channel === IPC_CHANNELS.subscribe) return structuredClone(await target.subscribe(window.event, args[0], args[1], args[2]));
      throw new Error(`No handler registered for '${channel}'`);
    },
    send(channel: string, ...raw: unknown[]) {
      if (channel === IPC_CHANNELS.unsubscribe) target.unsubscribe(window.event, structuredClone(raw)[0]);
    },
    on(channel: string, listener: (event: unknown, ...args: unknown[]) => void) {
      listeners.set(channel, [...(listeners.get(channel) ?? []), listener]);
    },
    listenersOn: (channel: string) => listeners.get(channel)?.length ?? 0,
  };
}

test('the preload bridge over the handlers: calls, errors by name, and a run streamed to its end', async () => {
  const ipc = loopbackIpc(handlers);
  const studio = createStudioBridge(ipc);
  assert.equal((await studio.info()).databasePath, join(folder.path, 'studio.db'));
  await assert.rejects(studio.getRun(4242), (error: Error) => error.name === 'NotFoundError');
  await assert.rejects(studio.startRun({ config: { optimizer: { name: 'fsam', lr: 0.1, rho: -1 } } }), (error: Error) => error.name === 'ConfigError' && /optimizer\.rho/.test(error.message));
  assert.equal((await studio.checkConfig({ optimizer: { name: 'sam', rho: -1 } })).ok, false);

  const run = await studio.startRun({ name: 'over IPC', config: tinyRunConfig({ epochs: 1 }) });
  assert.equal(run.name, 'over IPC');
  const steps: number[] = [];
  let status = '';
  const updates: number[] = [];
  const stopUpdates = studio.onRunUpdate((info) => updates.push(info.id));
  const stopStream = studio.subscribeRun(run.id, {}, (event: RunStreamEvent) => {
    if (event.type === 'steps') steps.push(...event.steps.map((step) => step.step));
    if (event.type === 'run') status = event.run.status;
  });
  await until(() => status === 'completed', 'the run to complete over IPC');
  assert.deepEqual(steps, [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.ok(updates.includes(run.id));
  assert.equal(ipc.listenersOn(IPC_CHANNELS.event), 1, 'one channel listener serves every subscription');
  assert.equal(handlers.subscriptionCount(OUR_CONTENTS), 2);
  stopStream();
  stopUpdates();
  stopUpdates();
  assert.equal(handlers.subscriptionCount(OUR_CONTENTS), 0, 'unsubscribing ends both in the main process');

  // a subscription the service refuses comes back to the caller as an error naming what was wrong
  const refusals: Error[] = [];
  const refusedEvents: unknown[] = [];
  studio.subscribeRun(4242, {}, (event) => refusedEvents.push(event), (error) => refusals.push(error));
  studio.subscribeRun(run.id, { afterStep: -1 }, (event) => refusedEvents.push(event), (error) => refusals.push(error));
  await until(() => refusals.length === 2, 'both refusals to reach their callers');
  const [missing, badOptions] = refusals as [Error, Error];
  assert.equal(missing.name, 'NotFoundError');
  assert.match(missing.message, /no run 4242/);
  assert.equal(badOptions.name, 'ConfigError');
  assert.match(badOptions.message, /options\.afterStep/);
  assert.deepEqual(refusedEvents, []);
  assert.equal(handlers.subscriptionCount(OUR_CONTENTS), 0, 'a refused subscription is not kept');

  const listed = await studio.listRuns();
  assert.ok(listed.some((info) => info.id === run.id && info.status === 'completed'));
  await studio.deleteRun(run.id);
  await assert.rejects(studio.getRun(run.id), (error: Error) => error.name === 'NotFoundError');
});
