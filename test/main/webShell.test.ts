/// <reference lib="dom" />
/**
 * The web shell on a real service and store: the token and Origin/Host rules, and StudioApi over the
 * WebSocket (calls, errors naming the field, a run's stream).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { StudioService } from '../../app/api/service.js';
import type { RunStreamEvent } from '../../app/api/types.js';
import type { ClientMessage, ServerMessage } from '../../app/api/wire.js';
import { createStudioClient } from '../../app/api/client.js';
import { startWebShell, type WebShell } from '../../main/web/webShell.js';
import { StudioSocket, type SocketLike } from '../../renderer/src/lib/wsClient.js';
import { temporaryFolder, tinyRunConfig, until } from '../support/runs.js';

const folder = temporaryFolder('fsam-web-');
let service: StudioService;
let shell: WebShell;
let origin: string;

before(async () => {
  const renderer = join(folder.path, 'renderer');
  mkdirSync(join(renderer, 'assets'), { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>studio</title>');
  writeFileSync(join(renderer, 'assets', 'app.js'), 'console.log(1)');
  service = StudioService.open({ databasePath: join(folder.path, 'studio.db'), concurrency: 1 });
  shell = await startWebShell({ api: service, rendererFolder: renderer });
  origin = `http://127.0.0.1:${shell.port}`;
});

after(async () => {
  await shell.close();
  await service.close();
  folder.remove();
});

/** A WebSocket client speaking the wire protocol, as the renderer does. */
async function connect(headers: Record<string, string> = {}, query = `?token=${shell.token}`) {
  const socket = new WebSocket(`ws://127.0.0.1:${shell.port}/api${query}`, { headers: { origin, ...headers } });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (_request, response) => reject(new Error(`refused with ${response.statusCode}`)));
    socket.once('error', reject);
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  const listeners = new Map<number, (event: unknown) => void>();
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString()) as ServerMessage;
    if (message.kind === 'event') listeners.get(message.id)?.(message.event);
    else if (message.kind === 'result') pending.get(message.id)?.resolve(message.value);
    else pending.get(message.id)?.reject(Object.assign(new Error(message.error.message), { name: message.error.name }));
  });
  const send = (message: ClientMessage | Record<string, unknown>) =>
    new Promise<unknown>((resolve, reject) => {
      pending.set(message.id as number, { resolve, reject });
      socket.send(JSON.stringify(message));
    });
  return {
    call: (method: string, ...args: unknown[]) => send({ kind: 'call', id: nextId++, method, args }),
    subscribe: (method: string, args: unknown[], listener: (event: unknown) => void) => {
      const id = nextId++;
      listeners.set(id, listener);
      return send({ kind: 'subscribe', id, method, args });
    },
    raw: (message: Record<string, unknown>) => send(message),
    close: () => socket.close(),
  };
}

test('pages need the token; then a same-site cookie stands in for it', async () => {
  const base = `http://127.0.0.1:${shell.port}`;
  assert.equal((await fetch(`${base}/`)).status, 403);
  assert.equal((await fetch(`${base}/?token=wrong`)).status, 403);
  const page = await fetch(`${base}/?token=${shell.token}`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  const cookie = page.headers.get('set-cookie') ?? '';
  assert.match(cookie, /HttpOnly; SameSite=Strict/);
  const asset = await fetch(`${base}/assets/app.js`, { headers: { cookie: cookie.split(';')[0]! } });
  assert.equal(asset.status, 200);
  assert.match(asset.headers.get('content-type') ?? '', /javascript/);
  assert.equal((await fetch(`${base}/assets/app.js`)).status, 403, 'no token, no cookie');
  assert.equal((await fetch(`${base}/../../etc/passwd?token=${shell.token}`)).status, 404);
  assert.equal((await fetch(`${base}/%2e%2e/studio.db?token=${shell.token}`)).status, 404, 'nothing outside the renderer folder is served');
});

test('a foreign Origin or Host is refused, for pages and for the socket', async () => {
  const base = `http://127.0.0.1:${shell.port}`;
  assert.equal((await fetch(`${base}/?token=${shell.token}`, { headers: { origin: 'http://evil.example' } })).status, 403);
  await assert.rejects(connect({ origin: 'http://evil.example' }), /refused with 403/);
  await assert.rejects(connect({ origin: `http://localhost:${shell.port + 1}` }), /refused with 403/);
  await assert.rejects(connect({}, ''), /refused with 403/, 'a socket without the token');
  await assert.rejects(connect({ host: `evil.example:${shell.port}`, origin: `http://evil.example:${shell.port}` }), /refused with 403/, 'DNS rebinding');
});

test('StudioApi over the socket: calls, errors that name the field, bad messages, and a run\'s stream', async () => {
  const client = await connect();
  const info = (await client.call('info')) as { databasePath: string; concurrency: number };
  assert.equal(info.databasePath, join(folder.path, 'studio.db'));
  await assert.rejects(client.call('startRun', { config: { optimizer: { name: 'fsam', lr: 0.1, rho: -1 } } }), (error: Error) => error.name === 'ConfigError' && /optimizer\.rho/.test(error.message));
  await assert.rejects(client.call('getRun', 4242), (error: Error) => error.name === 'NotFoundError');
  await assert.rejects(client.raw({ kind: 'call', id: 99, method: 'deleteEverything', args: [] }), /message\.method/);
  await assert.rejects(client.raw({ kind: 'call', id: 100, method: 'listRuns', args: 'nope' }), /message\.args/);
  assert.deepEqual(await client.call('listRuns'), []);

  const run = (await client.call('startRun', { config: tinyRunConfig({ epochs: 1 }) })) as { id: number };
  const steps: number[] = [];
  let status = '';
  await client.subscribe('subscribeRun', [run.id, {}], (event) => {
    const streamEvent = event as RunStreamEvent;
    if (streamEvent.type === 'steps') steps.push(...streamEvent.steps.map((s) => s.step));
    if (streamEvent.type === 'run') status = streamEvent.run.status;
  });
  await until(() => status === 'completed', 'the run to complete');
  assert.deepEqual(steps, [0, 1, 2, 3, 4, 5, 6, 7]);
  client.close();
});

test('the renderer\'s own client over the socket: calls, and a refused subscription reaching the caller as an error naming the run', { timeout: 30_000 }, async () => {
  // the page's transport (renderer/src/lib/wsClient.ts) with Node's `ws` for the browser's WebSocket
  const socket = new StudioSocket(`ws://127.0.0.1:${shell.port}/api?token=${shell.token}`, (url) => new WebSocket(url, { headers: { origin } }) as unknown as SocketLike);
  try {
    const studio = createStudioClient(socket);
    assert.equal((await studio.info()).databasePath, join(folder.path, 'studio.db'));
    await assert.rejects(studio.getRun(4242), (error: Error) => error.name === 'NotFoundError' && /no run 4242/.test(error.message));
    // an omitted option is left out, as over IPC (JSON would turn undefined into a refused null)
    await assert.rejects(studio.deleteComparison(4242, undefined), (error: Error) => error.name === 'NotFoundError');

    const events: unknown[] = [];
    const missing = await new Promise<Error>((resolve) => studio.subscribeRun(4242, {}, (event) => events.push(event), resolve));
    assert.equal(missing.name, 'NotFoundError');
    assert.match(missing.message, /no run 4242/);
    const badOptions = await new Promise<Error>((resolve) => studio.subscribeRun(1, { afterStep: -1 }, () => {}, resolve));
    assert.equal(badOptions.name, 'ConfigError');
    assert.match(badOptions.message, /options\.afterStep/);
    assert.deepEqual(events, []);
  } finally {
    socket.close();
  }
});
