/**
 * The preload exposes StudioApi and nothing else: the bridge's keys are exactly the API's calls and
 * subscriptions, each sends the right IPC message; and the real bundle — built here with Vite from
 * main/electron/vite.preload.config.ts, then run in a bare V8 context with a fake `require('electron')` —
 * is one CommonJS file that requires only electron and calls contextBridge.exposeInMainWorld('studio') once.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { build } from 'vite';
import { DESKTOP_CALLS, STUDIO_API_CALLS, STUDIO_API_SUBSCRIPTIONS, type RunStreamEvent } from '../../app/api/types.js';
import { IPC_CHANNELS, type IpcReply } from '../../main/electron/channels.js';
import { createStudioBridge, type IpcRendererLike } from '../../main/electron/preloadBridge.js';
import { repoRoot } from '../support/paths.js';
import { temporaryFolder } from '../support/runs.js';

// StudioApi, plus the desktop-only calls (a native save dialog) declared next to it
const API_NAMES = [...STUDIO_API_CALLS, ...STUDIO_API_SUBSCRIPTIONS, ...DESKTOP_CALLS].sort();

/** A fake ipcRenderer that records what is sent and answers invokes with `answer`. */
function recordingIpc(answer: (channel: string, args: unknown[]) => IpcReply = () => ({ ok: true, value: null })) {
  const invoked: unknown[][] = [];
  const sent: unknown[][] = [];
  const listeners: { channel: string; listener: (event: unknown, ...args: unknown[]) => void }[] = [];
  const ipc: IpcRendererLike = {
    invoke: async (channel: string, ...args: unknown[]) => {
      invoked.push([channel, ...args]);
      return answer(channel, args);
    },
    send: (channel: string, ...args: unknown[]) => void sent.push([channel, ...args]),
    on: (channel: string, listener: (event: unknown, ...args: unknown[]) => void) => void listeners.push({ channel, listener }),
  };
  const emit = (channel: string, ...args: unknown[]) => {
    for (const entry of listeners) if (entry.channel === channel) entry.listener({ senderId: 0 }, ...args);
  };
  return { ipc, invoked, sent, listeners, emit };
}

test('the bridge has exactly the StudioApi methods, frozen', () => {
  const studio = createStudioBridge(recordingIpc().ipc);
  assert.deepEqual(Object.keys(studio).sort(), API_NAMES);
  for (const name of API_NAMES) assert.equal(typeof (studio as unknown as Record<string, unknown>)[name], 'function', name);
  assert.ok(Object.isFrozen(studio));
});

test('calls go through ipcRenderer.invoke on studio:call; error replies reject with their name and message', async () => {
  const { ipc, invoked } = recordingIpc((_channel, args) =>
    args[0] === 'getRun' ? { ok: false, error: { name: 'NotFoundError', message: 'Run 9 does not exist' } } : { ok: true, value: [{ id: 1 }] },
  );
  const studio = createStudioBridge(ipc);
  assert.deepEqual(await studio.listRuns(), [{ id: 1 }]);
  await assert.rejects(studio.getRun(9), (error: Error) => error.name === 'NotFoundError' && error.message === 'Run 9 does not exist');
  await studio.deleteComparison(3);
  await studio.deleteComparison(4, { withRuns: true });
  await studio.metricSeries({ runIds: [1], series: ['loss'], maxPoints: 100 });
  assert.deepEqual(invoked, [
    [IPC_CHANNELS.call, 'listRuns', []],
    [IPC_CHANNELS.call, 'getRun', [9]],
    [IPC_CHANNELS.call, 'deleteComparison', [3]],
    [IPC_CHANNELS.call, 'deleteComparison', [4, { withRuns: true }]],
    [IPC_CHANNELS.call, 'metricSeries', [{ runIds: [1], series: ['loss'], maxPoints: 100 }]],
  ]);
});

test('subscriptions: subscribe with an id, events by id on one channel, unsubscribe once', async (t) => {
  const { ipc, invoked, sent, listeners, emit } = recordingIpc();
  const studio = createStudioBridge(ipc);
  const received: RunStreamEvent[] = [];
  const updates: unknown[] = [];
  const stopStream = studio.subscribeRun(5, { afterStep: 2 }, (event) => received.push(event));
  const stopUpdates = studio.onRunUpdate((run) => updates.push(run));
  assert.deepEqual(invoked, [
    [IPC_CHANNELS.subscribe, 1, 'subscribeRun', [5, { afterStep: 2 }]],
    [IPC_CHANNELS.subscribe, 2, 'onRunUpdate', []],
  ]);
  assert.deepEqual(listeners.map((entry) => entry.channel), [IPC_CHANNELS.event], 'one listener for every subscription');

  const rewind: RunStreamEvent = { type: 'rewind', runId: 5, step: 3, epochsDone: 0 };
  emit(IPC_CHANNELS.event, 1, rewind);
  emit(IPC_CHANNELS.event, 2, { id: 5 });
  emit(IPC_CHANNELS.event, 77, { stray: true });
  emit(IPC_CHANNELS.event, 'x', { stray: true });
  assert.deepEqual(received, [rewind]);
  assert.deepEqual(updates, [{ id: 5 }]);

  stopStream();
  stopStream();
  emit(IPC_CHANNELS.event, 1, rewind);
  assert.equal(received.length, 1, 'no event after unsubscribing');
  assert.deepEqual(sent, [[IPC_CHANNELS.unsubscribe, 1]]);
  stopUpdates();
  assert.deepEqual(sent, [[IPC_CHANNELS.unsubscribe, 1], [IPC_CHANNELS.unsubscribe, 2]]);

  // a refused subscription is dropped (and said in the console)
  const errors = t.mock.method(console, 'error', () => {});
  const refusing = recordingIpc(() => ({ ok: false, error: { name: 'ConfigError', message: 'Bad subscription — runId: must be a run id' } }));
  const refused: unknown[] = [];
  createStudioBridge(refusing.ipc).subscribeRun(0, {}, (event) => refused.push(event));
  await new Promise((resolve) => setImmediate(resolve));
  refusing.emit(IPC_CHANNELS.event, 1, rewind);
  assert.deepEqual(refused, []);
  assert.match(String(errors.mock.calls[0]?.arguments[0]), /could not subscribe \(subscribeRun\): Bad subscription/);
});

test('a refused subscription reaches the caller\'s onError with the service\'s error; the bridge forgets it', { timeout: 10_000 }, async () => {
  const refusing = recordingIpc((channel) =>
    channel === IPC_CHANNELS.subscribe ? { ok: false, error: { name: 'NotFoundError', message: 'There is no run 42 in studio.db' } } : { ok: true, value: null },
  );
  const studio = createStudioBridge(refusing.ipc);
  const events: unknown[] = [];
  const failure = new Promise<Error>((resolve) => studio.subscribeRun(42, {}, (event) => events.push(event), resolve));
  const error = await failure;
  assert.equal(error.name, 'NotFoundError');
  assert.match(error.message, /no run 42/);
  refusing.emit(IPC_CHANNELS.event, 1, { type: 'rewind', runId: 42, step: 0, epochsDone: 0 });
  assert.deepEqual(events, [], 'nothing is delivered for a refused subscription');

  // a subscription closed before its refusal arrived is not reported: nobody listens any more
  const late: Error[] = [];
  studio.onRunUpdate(() => {}, (reason) => late.push(reason))();
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(late, []);
});

const scratch = temporaryFolder('fsam-preload-');
after(() => scratch.remove());

test('the preload bundle: one CommonJS file that exposes window.studio once, with exactly the StudioApi methods', async () => {
  const outDir = join(scratch.path, 'bundle');
  await build({ configFile: join(repoRoot, 'main', 'electron', 'vite.preload.config.ts'), logLevel: 'silent', build: { outDir } });
  assert.deepEqual(readdirSync(outDir), ['preload.cjs'], 'one file, named as the window expects');
  const code = readFileSync(join(outDir, 'preload.cjs'), 'utf8');
  assert.doesNotMatch(code, /^\s*(import|export)\s/m, 'no ES module syntax');
  const required = [...code.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)].map((match) => match[1]);
  assert.deepEqual([...new Set(required)], ['electron'], 'requires nothing but electron');

  const exposed: { key: string; api: Record<string, (...args: unknown[]) => unknown> }[] = [];
  const { ipc, invoked } = recordingIpc(() => ({ ok: true, value: 'pong' }));
  const requested: string[] = [];
  const fakeRequire = (name: string) => {
    requested.push(name);
    if (name !== 'electron') throw new Error(`a sandboxed preload cannot require ${name}`);
    return {
      contextBridge: { exposeInMainWorld: (key: string, api: Record<string, (...args: unknown[]) => unknown>) => void exposed.push({ key, api }) },
      ipcRenderer: ipc,
    };
  };
  const module = { exports: {} };
  // a bare context: no process, no Buffer, no Node globals, as in a sandboxed renderer
  runInNewContext(code, { require: fakeRequire, module, exports: module.exports, console }, { filename: 'preload.cjs' });
  assert.deepEqual(requested, ['electron']);
  assert.equal(exposed.length, 1, 'exposeInMainWorld is called once');
  assert.equal(exposed[0]!.key, 'studio');
  const api = exposed[0]!.api;
  assert.deepEqual(Object.keys(api).sort(), API_NAMES);
  assert.equal(await api.info!(), 'pong');
  api.onRunUpdate!(() => {});
  assert.deepEqual(JSON.parse(JSON.stringify(invoked)), [
    [IPC_CHANNELS.call, 'info', []],
    [IPC_CHANNELS.subscribe, 1, 'onRunUpdate', []],
  ]);
});
