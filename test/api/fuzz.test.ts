/**
 * Fuzzing every StudioApi call through the entries the transports use — `ApiConnection` (the web shell's,
 * each message a JSON text frame) and `invokeApiCall` (the desktop IPC handlers', with the values a
 * structured clone can carry and JSON cannot: NaN, BigInt, Date, Map, undefined) — on a real service and
 * store. A seeded generator (the engine's own, app/engine/random.ts) makes a few thousand argument lists:
 * plausible requests with one field mutated, and junk — nested objects, huge numbers, NaN-ish strings,
 * arrays for objects, `__proto__` and `constructor` keys, very long strings.
 *
 * Subscriptions are fuzzed the same way. Each call must succeed or be refused with a validation error — ConfigError naming the field, NotFoundError,
 * StateError — never a TypeError, an unhandled rejection, or a polluted Object.prototype. What succeeds and
 * would train or compute (a run, a comparison, an analysis) is stopped and deleted at once; a paused run
 * holds the only training slot, so runs the fuzz starts stay queued and cost nothing.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ApiConnection, invokeApiCall, openSubscription } from '../../app/api/connection.js';
import { StudioService } from '../../app/api/service.js';
import { EPOCH_SERIES, EXPORT_FORMATS, STEP_SERIES, STUDIO_API_CALLS, type RunInfo } from '../../app/api/types.js';
import type { ServerMessage, WireError } from '../../app/api/wire.js';
import { DOWNLOADABLE_DATASETS } from '../../app/data/download/catalog.js';
import { DATASET_NAMES } from '../../app/data/index.js';
import { MODEL_NAMES } from '../../app/models/zoo.js';
import { Random } from '../../app/engine/random.js';
import { temporaryFolder, TINY_DATA, tinyRunConfig, until } from '../support/runs.js';

const SEED = 20240613;
const CALLS = 3000;
/** The share of calls sent through invokeApiCall with structured-clone values (the rest as JSON frames). */
const IPC_SHARE = 0.25;

const folder = temporaryFolder('fsam-fuzz-');
let service: StudioService;
let connection: ApiConnection;
const answers = new Map<number, (message: ServerMessage) => void>();
/** The paused run holding the training slot: never named by a call that could end or resume it. */
let blockerId = 0;
let completedId = 0;
let comparisonId = 0;
/** The completed run and the comparison's runs: kept, so exports and analyses have something to work on. */
let fixtureRuns: number[] = [];

before(async () => {
  service = StudioService.open({ databasePath: join(folder.path, 'studio.db'), concurrency: 1 });
  connection = new ApiConnection(
    service,
    (message) => {
      // what the web shell does with it: one JSON text frame (so a value JSON cannot carry would fail here)
      const wire = JSON.parse(JSON.stringify(message)) as ServerMessage;
      answers.get(wire.id)?.(wire);
    },
    // the fuzz sends one call at a time, as fast as it can: the rate limit is the hostile-client suite's to test
    { maxInFlight: 64, messagesPerSecond: 1e9, burst: 1e9, maxSubscriptions: 256 },
  );
  const completed = await service.startRun({ name: 'completed', config: tinyRunConfig({ epochs: 1 }) });
  completedId = completed.id;
  await service.manager.waitForEnd(completedId);
  const blocker = await service.startRun({ name: 'holds the slot', config: tinyRunConfig({ epochs: 10_000 }) });
  blockerId = blocker.id;
  await until(() => service.store.getRun(blockerId).status === 'running', 'the blocker to start');
  await service.pauseRun(blockerId);
  const comparison = await service.createComparison({
    name: 'fuzzed',
    config: { data: TINY_DATA, model: 'mlp', epochs: 1, batchSize: 32, optimizer: { lr: 0.05 } } as never,
    arms: [{ optimizer: { name: 'sgd' } }, { optimizer: { name: 'sam' } }],
    seeds: [1],
  });
  comparisonId = comparison.comparison.id;
  fixtureRuns = [completedId, ...comparison.comparison.runIds];
});

after(async () => {
  await service.close();
  folder.remove();
});

/** Values worth trying: the domain's own words, numbers at and past every edge, strings that look like numbers. */
const WORDS = [...MODEL_NAMES, ...DATASET_NAMES, ...STEP_SERIES, ...EPOCH_SERIES, ...EXPORT_FORMATS, ...DOWNLOADABLE_DATASETS, 'sgd', 'sam', 'fsam', 'adamw', 'cosine', 'constant', 'multistep', 'symmetric', 'train', 'test'];
const NUMBERS = [0, -0, 1, -1, 2, 3, 7, 0.5, 1.5, -2.5, 1e-320, 1e-7, 255, 256, 1024, 65536, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 1e21, 1e308, -1e308, Number.MAX_VALUE, Number.MIN_VALUE];
const NUMERIC_TEXT = ['NaN', 'Infinity', '-Infinity', '1e308', '-0', '0x10', '1_000', '', ' ', 'null', 'undefined', 'true', '[]', '{}', '1,5', '١٢'];
const KEYS = ['name', 'config', 'optimizer', 'lr', 'rho', 'sigma', 'lambda', 'momentum', 'weightDecay', 'adaptive', 'data', 'path', 'trainCount', 'testCount', 'size', 'channels', 'seed', 'model', 'epochs', 'batchSize', 'schedule', 'kind', 'runIds', 'series', 'maxPoints', 'runId', 'format', 'comparisonId', 'arms', 'label', 'seeds', 'baseline', 'withRuns', 'afterStep', 'inputShape', 'classes', 'labelNoise', 'perClass', 'split', 'batches', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', ''];

class Fuzzer {
  constructor(private readonly random: Random) {}

  int(n: number): number {
    return this.random.nextInt(n);
  }
  chance(p: number): boolean {
    return this.random.nextFloat() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** Run and comparison ids: those that exist (but the blocker's), gone ones, and nonsense. */
  id(): unknown {
    const r = this.int(10);
    if (r < 5) return this.pick([completedId, comparisonId, 1, 2, 3, 4, 5, 6].filter((id) => id !== blockerId));
    if (r < 7) return this.int(40) + 1;
    return this.value(1);
  }

  text(): string {
    const r = this.int(6);
    if (r === 0) return 'x'.repeat(10_000 + this.int(200_000));
    if (r === 1) return '\u0000\ud800' + '💥'.repeat(this.int(5)) + '\u202e';
    if (r === 2) return '../'.repeat(this.int(8) + 1) + 'etc/passwd';
    return Array.from({ length: this.int(12) }, () => String.fromCharCode(32 + this.int(95))).join('');
  }

  /** Any JSON value, nesting up to `depth` more levels (now and then far deeper than a config goes). */
  value(depth = 3): unknown {
    const r = this.int(depth > 0 ? 14 : 9);
    switch (r) {
      case 0: return null;
      case 1: return this.chance(0.5);
      case 2: return this.int(25) - 4;
      case 3: return this.pick(NUMBERS);
      case 4: return this.pick(NUMERIC_TEXT);
      case 5: return this.text();
      case 6: case 7: return this.pick(WORDS);
      case 8: return this.random.nextFloat() * 10 ** (this.int(40) - 20);
      case 9: case 10: return Array.from({ length: this.int(5) }, () => this.value(depth - 1));
      case 11: return this.object(depth - 1);
      case 12: return this.nest(20 + this.int(20));
      default: return this.object(depth - 1);
    }
  }

  object(depth: number): Record<string, unknown> {
    const object: Record<string, unknown> = {};
    // defineProperty: an own "__proto__" key, as JSON.parse makes it, not a prototype
    for (let i = this.int(5); i > 0; i--) Object.defineProperty(object, this.pick(KEYS), { value: this.value(depth), enumerable: true, writable: true, configurable: true });
    return object;
  }

  nest(levels: number): unknown {
    let value: unknown = this.value(0);
    for (let i = 0; i < levels; i++) value = this.chance(0.5) ? [value] : { [this.pick(KEYS)]: value };
    return value;
  }

  /** A copy of `template` with one field changed, removed, added, or turned into something else. */
  mutate(template: unknown, depth = 0): unknown {
    // the argument list itself is always kept: one field somewhere inside it changes
    if (depth > 4 || typeof template !== 'object' || template === null || (depth > 0 && this.chance(0.2))) {
      return this.chance(0.7) ? this.value(2) : template;
    }
    const copy: Record<string, unknown> | unknown[] = Array.isArray(template) ? [...template] : { ...template };
    const keys = Object.keys(copy);
    const r = this.int(6);
    if (r === 0 && keys.length > 0) delete (copy as Record<string, unknown>)[this.pick(keys)];
    else if (r === 1) Object.defineProperty(copy, this.pick(KEYS), { value: this.value(2), enumerable: true, writable: true, configurable: true });
    else if (r === 2) return Array.isArray(copy) ? Object.assign({}, copy) : Object.values(copy);
    else if (keys.length > 0) {
      const key = this.pick(keys);
      (copy as Record<string, unknown>)[key] = this.mutate((copy as Record<string, unknown>)[key], depth + 1);
    }
    return copy;
  }

  /** A data set read from files: a folder that is not one, a file that is not the format, a path that is not there. */
  dataOnDisk(): Record<string, unknown> {
    return { name: this.pick(['idx', 'folder', 'csv', 'mnist', 'cifar10']), path: this.pick([folder.path, join(folder.path, 'studio.db'), join(folder.path, 'nothing-here'), '/', this.text()]) };
  }

  /** Values a structured clone carries (IPC) and JSON does not. */
  exotic(): unknown {
    return this.pick([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, undefined, 10n, -(2n ** 70n), new Date(0), new Map([['runId', 1]]), new Set([1, 2]), new Uint8Array(3), /re/g, [, , 1], new Error('mine')]);
  }
}

const tinyConfig = () => ({ data: { ...TINY_DATA }, model: 'mlp', epochs: 1, batchSize: 32, optimizer: { name: 'sgd', lr: 0.05 } });

/** A plausible argument list per call: the fuzz mutates it, or throws it away for junk. */
function template(method: (typeof STUDIO_API_CALLS)[number], f: Fuzzer): unknown[] {
  switch (method) {
    case 'checkConfig': return [tinyConfig()];
    case 'getRun': case 'pauseRun': case 'resumeRun': case 'stopRun': case 'deleteRun': return [f.id()];
    case 'startRun': return [{ name: f.chance(0.5) ? 'fuzzed run' : undefined, config: tinyConfig() }];
    case 'metricSeries': return [{ runIds: [f.id()], series: [f.pick([...STEP_SERIES, ...EPOCH_SERIES])], maxPoints: 10 }];
    case 'createComparison': return [{ name: 'fuzzed', config: { ...tinyConfig(), optimizer: { lr: 0.05 } }, arms: [{ optimizer: { name: 'sgd' } }, { optimizer: { name: 'sam' } }], seeds: [1] }];
    case 'getComparison': return [f.id()];
    case 'deleteComparison': return [f.id(), { withRuns: f.chance(0.5) }];
    case 'exportRun': return [{ runId: f.id(), format: f.pick(EXPORT_FORMATS) }];
    case 'exportComparison': return [{ comparisonId: f.id() }];
    case 'describeModel': return [{ model: f.pick(MODEL_NAMES), inputShape: [12, 12, 1], classes: 10, ...(f.chance(0.3) ? { data: { ...TINY_DATA } } : {}) }];
    case 'previewDataset': return [f.chance(0.7) ? { ...TINY_DATA } : f.dataOnDisk(), { seed: f.int(5), perClass: 1 + f.int(4) }];
    case 'downloadDataset': return [f.pick(DOWNLOADABLE_DATASETS)];
    case 'analyzeRun': return [{ runId: f.id(), batches: 1, batchSize: 16, ascentSteps: 1, powerIterations: 2, curvePoints: 3, surfacePoints: 3 }];
    case 'getAnalyses': return [{ runIds: [f.id()] }];
    // no URL: a fuzzed one must not send the service connecting to addresses on the network
    case 'setQueue': return [{ newRuns: f.pick(['local', 'queue']), ...(f.chance(0.3) ? { url: null } : {}) }];
    default: return [];
  }
}

/** Whether a call's arguments name run (or comparison) `id`: as the first argument, or its `runId`. */
function names(args: unknown, id: number): boolean {
  if (!Array.isArray(args)) return false;
  const first = args[0] as { runId?: unknown } | undefined;
  return first === id || (typeof first === 'object' && first !== null && first.runId === id);
}

/**
 * Calls that would cost minutes rather than milliseconds on this machine, skipped (and counted): a download
 * (network), and generating a large Shapes-10 set in the service's own thread for a preview or a model
 * description (each image at 256 px takes ~10 ms).
 */
function tooCostly(method: string, args: unknown[]): string | undefined {
  if (method === 'downloadDataset' && (DOWNLOADABLE_DATASETS as readonly unknown[]).includes(args[0])) return 'a real download';
  if (method !== 'previewDataset' && method !== 'describeModel') return undefined;
  const spec = (method === 'previewDataset' ? args[0] : (args[0] as { data?: unknown } | undefined)?.data) as Record<string, unknown> | undefined;
  if (typeof spec !== 'object' || spec === null || spec.name !== 'shapes10') return undefined;
  const size = typeof spec.size === 'number' ? spec.size : 32;
  const channels = spec.channels === 1 ? 1 : 3;
  const count = (typeof spec.trainCount === 'number' ? spec.trainCount : 10_000) + (typeof spec.testCount === 'number' ? spec.testCount : 2000);
  return count * size * size * channels > 4_000_000 ? 'a large generated data set' : undefined;
}

/** Whether the call reads a data set from files (a path, or a downloadable set's cache). */
function readsFiles(method: string, args: unknown[]): boolean {
  const spec = (method === 'previewDataset' ? args[0] : method === 'describeModel' ? (args[0] as { data?: unknown } | undefined)?.data : undefined) as Record<string, unknown> | undefined;
  return typeof spec === 'object' && spec !== null && (typeof spec.path === 'string' || (DOWNLOADABLE_DATASETS as readonly unknown[]).includes(spec.name));
}

interface Outcome {
  ok: boolean;
  error?: WireError;
  value?: unknown;
}

let nextId = 1;
async function overTheWire(method: string, args: unknown[]): Promise<Outcome> {
  const id = nextId++;
  const answered = new Promise<ServerMessage>((resolve) => answers.set(id, resolve));
  await connection.handleFrame(JSON.stringify({ kind: 'call', id, method, args }));
  const answer = await answered;
  answers.delete(id);
  if (answer.kind === 'result') return { ok: true, value: answer.value };
  if (answer.kind === 'error') return { ok: false, error: answer.error };
  return assert.fail(`an event for a call: ${JSON.stringify(answer)}`);
}

async function throughIpc(method: string, args: unknown[]): Promise<Outcome> {
  try {
    return { ok: true, value: await invokeApiCall(service, method, args) };
  } catch (error) {
    if (!(error instanceof Error)) return { ok: false, error: { name: `a thrown ${typeof error}`, message: String(error) } };
    return { ok: false, error: { name: error.name, message: error.message } };
  }
}

/** What a call that succeeded left behind and would cost: stopped and deleted at once. */
async function cleanUp(method: string, value: unknown): Promise<void> {
  if (method === 'startRun' || method === 'resumeRun') {
    const run = value as RunInfo;
    if (run.id === blockerId) return;
    if (run.status === 'queued' || run.status === 'running') await service.stopRun(run.id);
    if (method === 'startRun') await service.deleteRun(run.id);
  } else if (method === 'createComparison') {
    await service.deleteComparison((value as { comparison: { id: number } }).comparison.id, { withRuns: true });
  } else if (method === 'analyzeRun') {
    await service.analyses.cancelRun((value as { runId: number }).runId);
  }
}

/** The field a ConfigError names: what stands before the first ": " after the last " — " ("Bad call — args"). */
function fieldOf(message: string): string | undefined {
  const head = message.split(': ')[0]!;
  const field = head.split(' — ').pop()!.replace(/\s*\([^)]*\)/g, '').trim();
  return /^[\w$.[\]-]+$/.test(field) ? field : undefined;
}

test(`${CALLS} generated calls at every StudioApi method: each succeeds or is refused with a validation error`, { timeout: 300_000 }, async (t) => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();
  const fuzz = new Fuzzer(Random.stream(SEED, 'fuzz'));
  const counts = { calls: 0, wire: 0, ipc: 0, accepted: 0, fileErrors: 0, skipped: new Map<string, number>(), refused: new Map<string, number>(), fields: new Map<string, number>() };
  const perMethod = new Map<string, { accepted: number; refused: number; ms: number }>(STUDIO_API_CALLS.map((method) => [method, { accepted: 0, refused: 0, ms: 0 }]));
  const failures: string[] = [];
  try {
    for (let i = 0; i < CALLS; i++) {
      const method = i < STUDIO_API_CALLS.length * 4 ? STUDIO_API_CALLS[i % STUDIO_API_CALLS.length]! : fuzz.pick(STUDIO_API_CALLS);
      const viaIpc = fuzz.chance(IPC_SHARE);
      let args: unknown[];
      const r = fuzz.int(10);
      if (r < 4) args = fuzz.mutate(template(method, fuzz)) as unknown[];
      else if (r < 6) args = template(method, fuzz);
      else args = Array.from({ length: fuzz.int(5) }, () => fuzz.value());
      if (viaIpc && fuzz.chance(0.5) && Array.isArray(args)) args = [...args.slice(0, 3), fuzz.exotic()];
      if (!Array.isArray(args) && fuzz.chance(0.5)) args = [args];
      const argList = Array.isArray(args) ? args : [];
      const skip =
        ['pauseRun', 'resumeRun', 'stopRun', 'deleteRun', 'exportRun', 'analyzeRun'].includes(method) && names(args, blockerId)
          ? 'naming the run that holds the slot'
          : (method === 'deleteRun' && fixtureRuns.some((id) => names(args, id))) || (method === 'deleteComparison' && names(args, comparisonId))
            ? 'deleting a fixture'
            : tooCostly(method, argList);
      if (skip !== undefined) {
        counts.skipped.set(skip, (counts.skipped.get(skip) ?? 0) + 1);
        continue;
      }
      counts.calls += 1;
      const startedAt = performance.now();
      const outcome = viaIpc ? await throughIpc(method, args) : await overTheWire(method, args);
      if (viaIpc) counts.ipc += 1;
      else counts.wire += 1;
      const tally = perMethod.get(method)!;
      if (outcome.ok) {
        counts.accepted += 1;
        tally.accepted += 1;
        await cleanUp(method, outcome.value);
        tally.ms += performance.now() - startedAt;
        continue;
      }
      tally.refused += 1;
      tally.ms += performance.now() - startedAt;
      const { name, message } = outcome.error!;
      counts.refused.set(name, (counts.refused.get(name) ?? 0) + 1);
      const shown = `${viaIpc ? 'ipc' : 'wire'} ${method}(${JSON.stringify(args, (_key, value) => (typeof value === 'bigint' ? `${value}n` : typeof value === 'string' && value.length > 60 ? `${value.slice(0, 20)}…(${value.length})` : value))?.slice(0, 300)}) → ${name}: ${message.slice(0, 300)}`;
      if (name === 'ConfigError') {
        const field = fieldOf(message);
        if (field === undefined) failures.push(`names no field: ${shown}`);
        else counts.fields.set(field, (counts.fields.get(field) ?? 0) + 1);
      } else if (name === 'Error' && readsFiles(method, argList)) {
        // A data reader's own message (a folder that does not exist, a file of another format) as a plain
        // Error: the file errors are part 2 of issue 13 (their class and wording); counted apart until they
        // are ConfigErrors naming data.path, then this branch goes.
        counts.fileErrors += 1;
      } else if (name !== 'NotFoundError' && name !== 'StateError') {
        failures.push(shown);
      } else if (message.trim() === '') failures.push(`an empty message: ${shown}`);
    }
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
  const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]).map(([key, n]) => `${key} ${n}`).join(', ');
  t.diagnostic(`fuzz: ${counts.calls} calls (${counts.wire} as JSON frames through ApiConnection, ${counts.ipc} through invokeApiCall), ${counts.accepted} accepted, ${counts.calls - counts.accepted} refused; seed ${SEED}`);
  t.diagnostic(`refused by error: ${sorted(counts.refused)} (of the plain Errors, ${counts.fileErrors} from data readers)`);
  t.diagnostic(`refused by field (top 20): ${sorted(counts.fields).split(', ').slice(0, 20).join(', ')}`);
  t.diagnostic(`per method (accepted/refused, seconds with clean-up): ${[...perMethod].map(([method, n]) => `${method} ${n.accepted}/${n.refused} ${(n.ms / 1000).toFixed(1)}s`).join(', ')}`);
  t.diagnostic(`skipped: ${sorted(counts.skipped) || 'none'}`);
  assert.deepEqual(failures.slice(0, 20), [], `${failures.length} calls were not refused as validation errors`);
  assert.deepEqual(unhandled, [], 'no unhandled rejection');
  assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), prototypeKeys, 'Object.prototype is untouched');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  for (const [method, n] of perMethod) assert.ok(n.accepted + n.refused > 0, `${method} was called`);
  // the store is still whole: the fixtures answer, and the blocker holds its slot
  assert.equal(service.store.getRun(blockerId).status, 'paused');
  assert.ok(Array.isArray(await service.listRuns()));
});

test('500 generated subscriptions (onRunUpdate, subscribeRun): each opens or is refused with a validation error', { timeout: 120_000 }, async (t) => {
  const fuzz = new Fuzzer(Random.stream(SEED, 'fuzz/subscriptions'));
  const counts = { opened: 0, refused: new Map<string, number>(), events: 0 };
  const failures: string[] = [];
  for (let i = 0; i < 500; i++) {
    const method = fuzz.chance(0.8) ? 'subscribeRun' : fuzz.pick(['onRunUpdate', 'subscribeRun', 'listRuns', 'subscribe', '__proto__']);
    const r = fuzz.int(3);
    const args = r === 0 ? [fuzz.id(), { afterStep: fuzz.int(20) }] : r === 1 ? (fuzz.mutate([fuzz.id(), { afterStep: 0 }]) as unknown[]) : Array.from({ length: fuzz.int(4) }, () => fuzz.value());
    const viaIpc = fuzz.chance(IPC_SHARE);
    let error: WireError | undefined;
    if (viaIpc) {
      try {
        const unsubscribe = openSubscription(service, method, args, () => (counts.events += 1));
        unsubscribe();
      } catch (thrown) {
        error = thrown instanceof Error ? { name: thrown.name, message: thrown.message } : { name: typeof thrown, message: String(thrown) };
      }
    } else {
      const id = nextId++;
      const answered = new Promise<ServerMessage>((resolve) => answers.set(id, resolve));
      await connection.handleFrame(JSON.stringify({ kind: 'subscribe', id, method, args }));
      const answer = await answered;
      answers.delete(id);
      if (answer.kind === 'error') error = answer.error;
      else await connection.handleFrame(JSON.stringify({ kind: 'unsubscribe', id }));
    }
    if (error === undefined) {
      counts.opened += 1;
      continue;
    }
    counts.refused.set(error.name, (counts.refused.get(error.name) ?? 0) + 1);
    const validation = (error.name === 'ConfigError' && fieldOf(error.message) !== undefined) || error.name === 'NotFoundError';
    if (!validation) failures.push(`${method}(${JSON.stringify(args)?.slice(0, 200)}) → ${error.name}: ${error.message}`);
  }
  t.diagnostic(`subscriptions: 500 generated, ${counts.opened} opened (and closed), refused: ${[...counts.refused].map(([name, n]) => `${name} ${n}`).join(', ')}`);
  assert.deepEqual(failures.slice(0, 20), []);
  assert.equal(connection.subscriptionCount, 0, 'every subscription was closed');
});
