/**
 * The desktop IPC handlers against a renderer gone wrong (a bug looping, or a page that should never have
 * loaded in the window): the hostile-client suite's kinds of input, through the handlers as ipcMain calls
 * them, each value first passed through structuredClone as Electron's IPC does (so cycles, BigInts, Maps,
 * typed arrays and sparse arrays arrive as they would). Every bad call gets a refusal naming what was wrong,
 * a flood is refused as too many requests, a window whose sends fail loses only its subscription, and a run
 * training on the same service keeps growing its step count meanwhile.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ARGUMENT_LIMITS, CONNECTION_LIMITS } from '../../app/api/connection.js';
import { StudioService } from '../../app/api/service.js';
import type { IpcReply } from '../../main/electron/channels.js';
import { createStudioIpcHandlers, studioSenderCheck, type IpcEventLike, type StudioIpcHandlers } from '../../main/electron/ipc.js';
import { temporaryFolder, tinyRunConfig, until } from '../support/runs.js';

const OUR_CONTENTS = 7;
const RENDERER_URL = pathToFileURL('/opt/F-SAM Studio/resources/app.asar/build/renderer/index.html').href;

const folder = temporaryFolder('fsam-hostile-ipc-');
let service: StudioService;
let handlers: StudioIpcHandlers;
let runId = 0;
const tally = { sent: 0, refused: 0, accepted: 0 };
const refusals = new Map<string, number>();

/** Our windows are 7 and up: each test attacks from its own, as each window has its own request budget. */
const WINDOWS = { shapes: 7, values: 8, flood: 10, other: 11, subscriptions: 12 } as const;

/** Our window (webContents `id`), whose `send` may be made to fail. */
function window(id = OUR_CONTENTS, send: (channel: string, ...args: unknown[]) => void = () => {}): IpcEventLike {
  return { sender: { id, send, isDestroyed: () => false }, senderFrame: { url: `${RENDERER_URL}#/runs`, parent: null } };
}

/** One call as Electron delivers it: the arguments structured-cloned. */
function call(method: unknown, args: unknown, event = window()): Promise<IpcReply> {
  tally.sent += 1;
  return handlers.call(event, structuredClone(method), structuredClone(args));
}

function count(reply: IpcReply): IpcReply {
  if (reply.ok) tally.accepted += 1;
  else {
    tally.refused += 1;
    refusals.set(reply.error.name, (refusals.get(reply.error.name) ?? 0) + 1);
  }
  return reply;
}

function assertRefused(reply: IpcReply, name: string, pattern: RegExp, what: string): void {
  count(reply);
  assert.equal(reply.ok, false, `${what} is refused`);
  if (reply.ok) return;
  assert.equal(reply.error.name, name, `${what}: ${reply.error.message}`);
  assert.match(reply.error.message, pattern, what);
}

const steps = () => service.store.getRun(runId).step;

/** Repeats `round` until the training run has recorded more steps than when it began (see hostileClients.test.ts). */
async function underAttack(name: string, round: () => Promise<void>): Promise<[number, number]> {
  const before = steps();
  const deadline = Date.now() + 120_000;
  do {
    if (Date.now() > deadline) assert.fail(`${name}: the run recorded no step during the attack`);
    await round();
    // a window sends its messages as tasks of their own, not all in one turn of the event loop
    await new Promise((resolve) => setTimeout(resolve, 10));
  } while (steps() <= before);
  return [before, steps()];
}

before(async () => {
  service = StudioService.open({ databasePath: join(folder.path, 'studio.db'), concurrency: 1 });
  handlers = createStudioIpcHandlers(service, studioSenderCheck((id) => id >= OUR_CONTENTS && id <= 20, RENDERER_URL));
  const started = await handlers.call(window(), 'startRun', [{ name: 'trains through the attacks', config: tinyRunConfig({ epochs: 10_000 }) }]);
  assert.ok(started.ok);
  runId = (started.value as { id: number }).id;
  await until(() => steps() >= 16, 'the run to train', 90_000);
});

after(async () => {
  handlers.dispose();
  await service.close();
  folder.remove();
});

test('arguments too deep, too large, cyclic or sparse are refused before any method sees them', async (t) => {
  let deep: unknown = 1;
  // as deep as structuredClone itself can carry (it recurses, in the renderer's process)
  for (let i = 0; i < 2000; i++) deep = [deep];
  const cycle: Record<string, unknown> = { name: 'loop' };
  cycle.self = cycle;
  // 2^40 paths through 40 shared objects: cheap to send, ruinous to walk naively
  let shared: unknown = 0;
  for (let i = 0; i < 40; i++) shared = { a: shared, b: shared };
  const sparse: unknown[] = [];
  sparse[2 ** 32 - 2] = 1;
  const cases: [string, unknown, RegExp][] = [
    ['2,000 levels deep', [deep], /^Bad call — args: nested deeper than 32 levels/],
    ['a cycle', [{ config: cycle }], /^Bad call — args: nested deeper than 32 levels/],
    ['shared references', [{ config: shared }], /^Bad call — args: (nested deeper|more than 100000 values)/],
    ['a sparse array of 4 billion', [{ runIds: sparse }], /^Bad call — args: an array of 4294967295 elements/],
    ['a typed array of a million', [new Uint8Array(1_000_000)], /^Bad call — args: an array of 1000000 elements/],
    ['a plain object of 200,000 keys', [Object.fromEntries(Array.from({ length: 200_000 }, (_, i) => [`k${i}`, i]))], /^Bad call — args: more than 100000 values/],
    ['two MiB of text', [{ name: 'n'.repeat(ARGUMENT_LIMITS.textCharacters), config: 'c' }], /^Bad call — args: more than 1048576 characters of text/],
    ['a key of two MiB', [{ ['k'.repeat(2 * ARGUMENT_LIMITS.textCharacters)]: 1 }], /^Bad call — args: more than 1048576 characters of text/],
    ['five arguments', [1, 2, 3, 4, 5], /^Bad call — args: at most 4 arguments/],
  ];
  const range = await underAttack('shapes', async () => {
    for (const [what, args, pattern] of cases) assertRefused(await call('metricSeries', args, window(WINDOWS.shapes)), 'ConfigError', pattern, what);
  });
  t.diagnostic(`shapes: steps ${range.join(' → ')}`);
});

test('values JSON has no word for, unknown methods and wrong types: a ConfigError naming the field, never a TypeError', async (t) => {
  const polluting = JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}, "runIds": [1], "series": ["loss"], "maxPoints": 1}');
  const cases: [string, unknown, unknown, RegExp][] = [
    ['a BigInt run id', 'getRun', [10n], /^runId: /],
    ['a Date run id', 'getRun', [new Date()], /^runId: /],
    ['a Map for a request', 'metricSeries', [new Map([['runIds', [1]]])], /^request\.runIds: /],
    ['a Set of run ids', 'getAnalyses', [{ runIds: new Set([1]) }], /^request\.runIds: /],
    ['NaN', 'getRun', [Number.NaN], /^runId: /],
    ['Infinity', 'getRun', [Number.POSITIVE_INFINITY], /^runId: /],
    ['-0', 'getRun', [-0], /^runId: /],
    ['1e308 as the learning rate', 'checkConfig', [{ optimizer: { name: 'sgd', lr: '1e308' } }], /.*/],
    ['a RegExp config', 'startRun', [{ config: /x/ }], /^request\.config|^Invalid run configuration — config/],
    ['a Uint8Array config', 'startRun', [{ config: new Uint8Array(4) }], /^Invalid run configuration — config/],
    ['an array for the request', 'startRun', [[{ config: tinyRunConfig() }]], /^request: /],
    ['own __proto__ and constructor keys', 'metricSeries', [polluting], /^request\.maxPoints: /],
    ['an unknown method', 'deleteEverything', [], /^Bad call — method: /],
    ['a method of Object', 'hasOwnProperty', [], /^Bad call — method: /],
    ['a BigInt method', 1n, [], /^Bad call — method: /],
    ['args as a Map', 'listRuns', new Map(), /^Bad call — args: /],
  ];
  const range = await underAttack('values', async () => {
    for (const [what, method, args, pattern] of cases) {
      const reply = count(await call(method, args, window(WINDOWS.values)));
      if (what.startsWith('1e308')) {
        // checkConfig answers with problems rather than refusing the call
        assert.ok(reply.ok && !(reply.value as { ok: boolean }).ok, `${what}: ${JSON.stringify(reply)}`);
        continue;
      }
      assert.equal(reply.ok, false, `${what} is refused`);
      if (reply.ok) continue;
      assert.equal(reply.error.name, 'ConfigError', `${what}: ${reply.error.name} ${reply.error.message}`);
      assert.match(reply.error.message, pattern, what);
    }
  });
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype is untouched');
  t.diagnostic(`values: steps ${range.join(' → ')}`);
});

test('a flood of calls from one window: the rest are refused as too many requests, every call is answered', async (t) => {
  const counts = { results: 0, refused: 0 };
  const range = await underAttack('a flood', async () => {
    // Electron delivers each message as a task of its own: the flood comes in slices between which the
    // event loop turns (a loop of microtasks alone would starve it whatever the handlers did)
    const pending: Promise<IpcReply>[] = [];
    for (let i = 0; i < 5000; i++) {
      pending.push(call(i % 2 === 0 ? 'listRuns' : 'datasetStatus', [], window(WINDOWS.flood)));
      if (i % 100 === 99) await new Promise((resolve) => setImmediate(resolve));
    }
    const replies = await Promise.all(pending);
    for (const reply of replies) {
      count(reply);
      if (reply.ok) counts.results += 1;
      else {
        assert.equal(reply.error.name, 'TooManyRequestsError', reply.error.message);
        assert.match(reply.error.message, /^Too many requests: /);
        counts.refused += 1;
      }
    }
  });
  assert.ok(counts.refused > 0, 'some calls were refused');
  assert.ok(counts.results >= CONNECTION_LIMITS.burst / 2, 'a burst is served');
  // another window has its own budget
  assert.equal((await handlers.call(window(WINDOWS.other), 'listRuns', [])).ok, true);
  t.diagnostic(`flood: ${counts.results} answered, ${counts.refused} refused; steps ${range.join(' → ')}`);
});

test('subscriptions beyond the cap are refused; a window whose sends fail loses only its subscription', async (t) => {
  const event = window(WINDOWS.subscriptions);
  let accepted = 0;
  for (let id = 1; id <= CONNECTION_LIMITS.maxSubscriptions + 10; id++) {
    tally.sent += 1;
    const reply = count(await handlers.subscribe(event, id, 'onRunUpdate', []));
    if (reply.ok) accepted += 1;
    else {
      assert.equal(reply.error.name, 'TooManyRequestsError');
      assert.match(reply.error.message, /^Too many subscriptions: 256 are open/);
    }
  }
  assert.equal(accepted, CONNECTION_LIMITS.maxSubscriptions);
  assert.equal(handlers.subscriptionCount(WINDOWS.subscriptions), CONNECTION_LIMITS.maxSubscriptions);
  handlers.forget(WINDOWS.subscriptions);
  assert.equal(handlers.subscriptionCount(WINDOWS.subscriptions), 0);

  // Electron throws from send() for a value it cannot clone or a frame being torn down
  const warnings = t.mock.method(console, 'warn', () => {});
  const failing = window(OUR_CONTENTS, () => {
    throw new Error('Render frame was disposed before WebFrameMain could be accessed');
  });
  tally.sent += 1;
  count(await handlers.subscribe(failing, 77, 'subscribeRun', [runId, { afterStep: steps() }]));
  await until(() => handlers.subscriptionCount(OUR_CONTENTS) === 0, 'the failing subscription to end');
  assert.match(String(warnings.mock.calls[0]?.arguments[0]), /ended subscription 77 of webContents 7: Render frame was disposed/);
  // unsubscribe is a send (ipcMain.on): junk is ignored without a throw
  for (const junk of [undefined, null, -1, 'x', 2n, { id: 1 }, Number.NaN]) handlers.unsubscribe(window(), junk);
  handlers.unsubscribe(undefined as unknown as IpcEventLike, 1);
  const before = steps();
  await until(() => steps() > before, 'the run to go on training');
  t.diagnostic(`subscriptions: ${accepted} accepted of ${CONNECTION_LIMITS.maxSubscriptions + 10}`);
});

test('totals', (t) => {
  assert.equal(service.store.getRun(runId).status, 'running');
  t.diagnostic(`IPC requests sent: ${tally.sent}, refused: ${tally.refused}, accepted: ${tally.accepted}`);
  t.diagnostic(`refusals: ${[...refusals].map(([name, n]) => `${name} ${n}`).join(', ')}`);
  assert.equal(tally.sent, tally.refused + tally.accepted);
});
