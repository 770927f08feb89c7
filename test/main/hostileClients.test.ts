/**
 * The web shell against hostile clients: `fsam-studio serve` runs in a child process (so a crash is seen as
 * the process ending, not hidden by the test's own handlers) on a store with one run training, and real
 * sockets and raw HTTP throw at it what a page left open, a buggy script or an attacker could: oversized,
 * binary, non-JSON and deeply nested frames, unknown methods and wrong shapes, thousands of calls a second
 * from one socket, many sockets at once, malformed addresses and headers, and a client that never reads.
 *
 * For every kind: each bad request gets a clear refusal (an error answer naming what was wrong, a close code,
 * an HTTP status), the process stays up, the training run's step count keeps growing while the attack goes
 * on, and the process's memory stays within a generous bound of what it was before.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { join } from 'node:path';
import WebSocket from 'ws';
import { STEP_SERIES } from '../../app/api/types.js';
import type { ServerMessage } from '../../app/api/wire.js';
import { ARGUMENT_LIMITS, CONNECTION_LIMITS } from '../../app/api/connection.js';
import { WEB_LIMITS } from '../../main/web/webShell.js';
import { spawnCli } from '../support/cli.js';
import { temporaryFolder, tinyRunConfig, until } from '../support/runs.js';

const folder = temporaryFolder('fsam-hostile-');
let server: ReturnType<typeof spawnCli>;
let port = 0;
let token = '';
let origin = '';
let serverLog = '';
/** Times the server process ended during the attacks (each would have needed a restart). */
let exits = 0;
let runId = 0;
let observer: Client;
let rssBefore: number | undefined;
let rssPeak = 0;

/** Every request sent and how it was answered, over all the attacks. */
const tally = { sent: 0, refused: 0, accepted: 0 };
/** Refusals by what they said (error name, close code, HTTP status). */
const refusals = new Map<string, number>();

function refused(kind: string, count = 1): void {
  tally.refused += count;
  refusals.set(kind, (refusals.get(kind) ?? 0) + count);
}

/** The server process's resident memory in bytes (Linux /proc), or undefined where there is none. */
function serverRss(): number | undefined {
  const status = `/proc/${server.pid}/status`;
  if (!existsSync(status)) return undefined;
  const kilobytes = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(status, 'utf8'))?.[1];
  return kilobytes === undefined ? undefined : Number(kilobytes) * 1024;
}

function sampleRss(): void {
  const rss = serverRss();
  if (rss !== undefined) rssPeak = Math.max(rssPeak, rss);
}

const MiB = (bytes: number) => `${(bytes / (1 << 20)).toFixed(0)} MiB`;

/** A WebSocket client speaking the wire protocol, with the raw socket at hand for the bad frames. */
class Client {
  readonly answers = new Map<number, (message: ServerMessage) => void>();
  /** Answers for id -1 (frames that were not a message), in arrival order. */
  readonly orphans: ServerMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  received = 0;
  private nextId = 1;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.received += 1;
      const message = JSON.parse(String(data)) as ServerMessage;
      if (message.id === -1) this.orphans.push(message);
      else this.answers.get(message.id)?.(message);
    });
    // a socket the server drops reports an error (ECONNRESET) before closing; that is what is tested
    ws.on('error', () => {});
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
  }

  /** Opens a socket; rejects with the HTTP status and body when the server refuses the upgrade. */
  static open(headers: Record<string, string> = {}): Promise<Client> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api?token=${token}`, { headers: { origin, ...headers } });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new Client(ws)));
      ws.once('unexpected-response', (_request, response) => {
        let body = '';
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () => reject(Object.assign(new Error(`refused with ${response.statusCode}: ${body.trim()}`), { status: response.statusCode })));
      });
      ws.once('error', reject);
    });
  }

  /** Sends one message (an object, sent as JSON, or raw text/bytes) and resolves with its answer. */
  request(message: Record<string, unknown>): Promise<ServerMessage> {
    const id = typeof message.id === 'number' ? message.id : this.nextId++;
    const answered = new Promise<ServerMessage>((resolve) => this.answers.set(id, resolve));
    this.ws.send(JSON.stringify({ ...message, id }));
    return answered.finally(() => this.answers.delete(id));
  }

  call(method: string, ...args: unknown[]): Promise<ServerMessage> {
    return this.request({ kind: 'call', id: this.nextId++, method, args });
  }

  /** A call's value, or a failed assertion with the server's error. */
  async value(method: string, ...args: unknown[]): Promise<unknown> {
    const answer = await this.call(method, ...args);
    if (answer.kind !== 'result') assert.fail(`${method} was refused: ${JSON.stringify(answer)}`);
    return answer.value;
  }

  close(): void {
    this.ws.close();
  }
}

/** The training run's recorded steps, asked over a well-behaved socket. */
async function trainedSteps(): Promise<number> {
  return ((await observer.value('getRun', runId)) as { run: { step: number } }).run.step;
}

/**
 * Runs `round` of an attack again and again until the training run has recorded more steps than when the
 * attack began (at least `minRounds` times): training keeps going while it is attacked, or this times out.
 */
async function underAttack(name: string, round: () => Promise<void>, minRounds = 1): Promise<{ rounds: number; steps: [number, number] }> {
  const before = await trainedSteps();
  const deadline = Date.now() + 120_000;
  let rounds = 0;
  let now = before;
  while (rounds < minRounds || now <= before) {
    if (Date.now() > deadline) assert.fail(`${name}: the run recorded no step during the attack (still ${now})`);
    await round();
    rounds += 1;
    sampleRss();
    assert.equal(server.exitCode, null, `${name}: the server ended:\n${serverLog}`);
    now = await trainedSteps();
  }
  return { rounds, steps: [before, now] };
}

/** One raw HTTP exchange on a fresh TCP connection: what the server answered (status and body), however it closed. */
function rawHttp(text: string | Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const socket = connectTcp(port, '127.0.0.1', () => socket.write(text));
    let data = '';
    socket.on('data', (chunk) => {
      data += chunk;
      // an accepted upgrade stays open: its status line is the answer
      if (data.startsWith('HTTP/1.1 101') && data.includes('\r\n\r\n')) socket.destroy();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(data)?.[1] ?? 0);
      resolve({ status, body: data.slice(data.indexOf('\r\n\r\n') + 4) });
    });
    socket.setTimeout(30_000, () => socket.destroy());
  });
}

before(async () => {
  server = spawnCli(['serve', '--port', '0', '--concurrency', '1', '--db', join(folder.path, 'studio.db')]);
  server.stdout.on('data', (chunk) => (serverLog += chunk));
  server.stderr.on('data', (chunk) => (serverLog += chunk));
  server.on('exit', () => (exits += 1));
  await until(() => /token=/.test(serverLog) || server.exitCode !== null, 'the server to print its address', 60_000);
  const address = /http:\/\/127\.0\.0\.1:(\d+)\/\?token=(\S+)/.exec(serverLog);
  assert.ok(address, `no address in:\n${serverLog}`);
  port = Number(address[1]);
  token = address[2]!;
  origin = `http://127.0.0.1:${port}`;
  observer = await Client.open();
  // a run long enough to outlast every attack (80,000 steps); stopped at the end
  const run = (await observer.value('startRun', { name: 'trains through the attacks', config: tinyRunConfig({ epochs: 10_000 }) })) as { id: number };
  runId = run.id;
  const deadline = Date.now() + 90_000;
  while ((await trainedSteps()) < 16) {
    if (Date.now() > deadline) assert.fail('the run did not start training');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  rssBefore = serverRss();
  if (rssBefore !== undefined) rssPeak = rssBefore;
});

after(async () => {
  if (server.exitCode === null) {
    try {
      await observer.value('stopRun', runId);
    } catch {
      // reported by the tests
    }
    observer.close();
    server.kill('SIGINT');
    const stopped = new Promise((resolve) => server.once('exit', resolve));
    const killer = setTimeout(() => server.kill('SIGKILL'), 60_000);
    await stopped;
    clearTimeout(killer);
  }
  folder.remove();
});

test('a frame over the size limit closes only its own socket, with 1009 "message too big"', { timeout: 180_000 }, async (t) => {
  const result = await underAttack('oversized frames', async () => {
    const client = await Client.open();
    tally.sent += 1;
    client.ws.send('x'.repeat(WEB_LIMITS.maxFrameBytes + 1));
    const { code } = await client.closed;
    assert.equal(code, 1009, 'closed as "message too big"');
    refused('close 1009 (message too big)');
    // one just under the limit is read, and refused as what it is
    const fits = await Client.open();
    tally.sent += 1;
    const padding = 'x'.repeat(WEB_LIMITS.maxFrameBytes - 100);
    const answer = await fits.request({ kind: 'call', method: 'getRun', args: [padding] });
    assert.equal(answer.kind, 'error');
    if (answer.kind === 'error') assert.match(answer.error.message, /^runId: must be a run id/);
    refused('ConfigError');
    fits.close();
  });
  t.diagnostic(`oversized frames: ${result.rounds} rounds; steps ${result.steps.join(' → ')}`);
});

test('binary, non-JSON and deeply nested frames each get a refusal saying what was wrong', { timeout: 180_000 }, async (t) => {
  const client = await Client.open();
  const result = await underAttack('bad frames', async () => {
    const frames: { data: string | Buffer; id: number; pattern: RegExp }[] = [
      { data: Buffer.from([0, 1, 2, 3]), id: -1, pattern: /binary frame/ },
      { data: Buffer.from(JSON.stringify({ kind: 'call', id: 5, method: 'info', args: [] })), id: -1, pattern: /binary frame/ },
      { data: 'hello', id: -1, pattern: /not JSON/ },
      { data: '{"kind":"call",', id: -1, pattern: /not JSON/ },
      { data: '', id: -1, pattern: /not JSON/ },
      { data: '\u0000\u0001', id: -1, pattern: /not JSON/ },
      { data: 'null', id: -1, pattern: /Bad message — message:/ },
      { data: '42', id: -1, pattern: /Bad message — message:/ },
      { data: '"call"', id: -1, pattern: /Bad message — message:/ },
      { data: '[]', id: -1, pattern: /Bad message — message:/ },
      { data: '['.repeat(200_000) + ']'.repeat(200_000), id: -1, pattern: /Bad message — message:/ },
      { data: `{"kind":"call","id":7,"method":"info","args":${'['.repeat(100_000)}${']'.repeat(100_000)}}`, id: 7, pattern: /message\.args: nested deeper than 32 levels/ },
      { data: `{"kind":"call","id":8,"method":"getRun","args":[${'{"a":'.repeat(40)}1${'}'.repeat(40)}]}`, id: 8, pattern: /message\.args: nested deeper than 32 levels/ },
      { data: `{"kind":"call","id":9,"method":"startRun","args":[[${'0,'.repeat(ARGUMENT_LIMITS.values)}0]]}`, id: 9, pattern: /message\.args: an array of 100001 elements \(at most 100000\)/ },
      { data: `{"kind":"call","id":11,"method":"startRun","args":[[${'0,'.repeat(60_000)}0],[${'0,'.repeat(60_000)}0]]}`, id: 11, pattern: /message\.args: more than 100000 values/ },
      { data: `{"kind":"subscribe","id":10,"method":"subscribeRun","args":[1,${'['.repeat(50)}${']'.repeat(50)}]}`, id: 10, pattern: /message\.args: nested deeper/ },
    ];
    for (const frame of frames) {
      tally.sent += 1;
      const orphansBefore = client.orphans.length;
      const answered =
        frame.id === -1
          ? until(() => client.orphans.length > orphansBefore, 'an answer for id -1').then(() => client.orphans[orphansBefore]!)
          : new Promise<ServerMessage>((resolve) => client.answers.set(frame.id, resolve));
      client.ws.send(frame.data, { binary: typeof frame.data !== 'string' });
      const answer = await Promise.race([answered, client.closed.then(({ code }) => assert.fail(`the socket closed (${code}) instead of answering ${String(frame.data).slice(0, 40)}`))]);
      assert.equal(answer.kind, 'error', `${String(frame.data).slice(0, 40)} is refused`);
      if (answer.kind !== 'error') continue;
      assert.equal(answer.id, frame.id);
      assert.equal(answer.error.name, 'ConfigError');
      assert.match(answer.error.message, frame.pattern);
      refused(answer.error.name);
    }
  });
  // the socket is still good for real work
  assert.equal(((await client.value('listRuns')) as unknown[]).length, 1);
  client.close();
  t.diagnostic(`bad frames: ${result.rounds} rounds; steps ${result.steps.join(' → ')}`);
});

test('unknown methods and wrong shapes are refused with a ConfigError naming the field', { timeout: 180_000 }, async (t) => {
  const client = await Client.open();
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ kind: 'call', method: 'deleteEverything', args: [] }, /message\.method/],
    [{ kind: 'call', method: 'constructor', args: [] }, /message\.method/],
    [{ kind: 'call', method: '__proto__', args: [] }, /message\.method/],
    [{ kind: 'call', method: 'close', args: [] }, /message\.method/],
    [{ kind: 'call', method: 'store', args: [] }, /message\.method/],
    [{ kind: 'call', method: 'onRunUpdate', args: [] }, /message\.method/],
    [{ kind: 'subscribe', method: 'listRuns', args: [] }, /message\.method/],
    [{ kind: 'exec', method: 'info', args: [] }, /message\.kind/],
    [{ kind: 'call', method: 'info' }, /message\.args/],
    [{ kind: 'call', method: 'getRun', args: 'nope' }, /message\.args/],
    [{ kind: 'call', method: 'getRun', args: { 0: 1, length: 1 } }, /message\.args/],
    [{ kind: 'call', method: 'listRuns', args: [1, 2, 3, 4, 5] }, /message\.args/],
    [{ kind: 'call', method: 'getRun', args: ['1'] }, /runId/],
    [{ kind: 'call', method: 'getRun', args: [1e308] }, /runId/],
    // own "__proto__" and "constructor" keys, as JSON.parse makes them
    [{ kind: 'call', method: 'getRun', args: [JSON.parse('{"__proto__": {"admin": true}}')] }, /runId/],
    [{ kind: 'call', method: 'describeModel', args: [JSON.parse('{"model": "nope", "__proto__": {"classes": 3}, "constructor": {"prototype": {"polluted": true}}}')] }, /request\.model/],
    [{ kind: 'call', method: 'startRun', args: [{ config: { optimizer: { name: 'sgd', lr: 1 }, constructor: { prototype: { polluted: true } } } }] }, /config/],
    [{ kind: 'call', method: 'metricSeries', args: [{ runIds: [runId], series: ['x'.repeat(100_000)], maxPoints: 10 }] }, /request\.series/],
    [{ kind: 'subscribe', method: 'subscribeRun', args: [runId, { afterStep: -1 }] }, /options\.afterStep/],
    [{ kind: 'subscribe', method: 'subscribeRun', args: [4242, {}] }, /4242/],
  ];
  const result = await underAttack('unknown methods and wrong shapes', async () => {
    for (const [message, pattern] of cases) {
      tally.sent += 1;
      const answer = await client.request(message);
      assert.equal(answer.kind, 'error', `${JSON.stringify(message).slice(0, 80)} is refused`);
      if (answer.kind !== 'error') continue;
      assert.match(answer.error.name, /^(ConfigError|NotFoundError)$/);
      assert.match(answer.error.message, pattern);
      refused(answer.error.name);
    }
    // ids that cannot be answered by themselves are answered for the message as a whole
    for (const id of [-1, 1.5, 'one', null]) {
      tally.sent += 1;
      const orphansBefore = client.orphans.length;
      client.ws.send(JSON.stringify({ kind: 'call', id, method: 'info', args: [] }));
      await until(() => client.orphans.length > orphansBefore, 'the refusal of a bad id');
      const answer = client.orphans[orphansBefore]!;
      assert.equal(answer.kind, 'error');
      if (answer.kind === 'error') assert.match(answer.error.message, /Bad message — message\.id/);
      refused('ConfigError');
    }
  });
  client.close();
  t.diagnostic(`unknown methods and wrong shapes: ${result.rounds} rounds; steps ${result.steps.join(' → ')}`);
});

test('thousands of calls a second from one socket: the rest are refused as too many requests, and every call is answered', { timeout: 180_000 }, async (t) => {
  const counts = { sent: 0, results: 0, rate: 0, inFlight: 0 };
  const result = await underAttack('a flood of calls', async () => {
    const client = await Client.open();
    const flood = 5000;
    const answers: Promise<ServerMessage>[] = [];
    // all at once, without waiting: as fast as the socket takes them
    for (let i = 0; i < flood; i++) answers.push(client.call(i % 2 === 0 ? 'listRuns' : 'datasetStatus'));
    tally.sent += flood;
    counts.sent += flood;
    for (const answer of await Promise.all(answers)) {
      if (answer.kind === 'result') {
        counts.results += 1;
        tally.accepted += 1;
        continue;
      }
      assert.equal(answer.kind, 'error');
      if (answer.kind !== 'error') continue;
      assert.equal(answer.error.name, 'TooManyRequestsError', answer.error.message);
      assert.match(answer.error.message, /^Too many requests: /);
      if (/waiting for their answers/.test(answer.error.message)) counts.inFlight += 1;
      else counts.rate += 1;
      refused('TooManyRequestsError');
    }
    client.close();
  });
  assert.ok(counts.rate + counts.inFlight > 0, 'some calls were refused');
  // how many of the burst are answered depends on how fast the server answers on a loaded machine; at least
  // the calls admitted before the in-flight cap was reached are served
  assert.ok(counts.results >= CONNECTION_LIMITS.maxInFlight, `a burst is served (${counts.results} answered)`);
  t.diagnostic(`flood: ${counts.sent} calls in ${result.rounds} rounds; ${counts.results} answered, ${counts.rate} refused over the rate, ${counts.inFlight} over the calls in flight; steps ${result.steps.join(' → ')}`);
});

test('many sockets at once: those over the cap are refused with 503, the others work, and closing frees them', { timeout: 180_000 }, async (t) => {
  let opened = 0;
  let turnedAway = 0;
  const result = await underAttack('many sockets', async () => {
    const attempts = await Promise.allSettled(Array.from({ length: WEB_LIMITS.socketsPerClient + 20 }, () => Client.open()));
    tally.sent += attempts.length;
    const clients: Client[] = [];
    for (const attempt of attempts) {
      if (attempt.status === 'fulfilled') {
        clients.push(attempt.value);
        tally.accepted += 1;
        continue;
      }
      const error = attempt.reason as Error & { status?: number };
      assert.equal(error.status, 503, error.message);
      assert.match(error.message, /too many connections: at most 32 from one address/);
      refused('HTTP 503 (too many connections)');
      turnedAway += 1;
    }
    opened += clients.length;
    // with the observer's socket, never more than the cap
    assert.ok(clients.length <= WEB_LIMITS.socketsPerClient - 1, `${clients.length} sockets opened`);
    assert.ok(clients.length > 0);
    const answers = await Promise.all(clients.map((client) => client.call('listRuns')));
    assert.ok(answers.every((answer) => answer.kind === 'result'), 'the sockets let in work');
    for (const client of clients) client.close();
    await Promise.all(clients.map((client) => client.closed));
    // the server frees their places once it has seen them close
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const again = (await Promise.all(Array.from({ length: clients.length }, () => Client.open())));
        for (const client of again) client.close();
        await Promise.all(again.map((client) => client.closed));
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  });
  assert.ok(turnedAway > 0);
  t.diagnostic(`many sockets: ${opened} opened, ${turnedAway} turned away with 503 in ${result.rounds} rounds; steps ${result.steps.join(' → ')}`);
});

test('malformed addresses and headers get a 4xx answer, and the server goes on', { timeout: 180_000 }, async (t) => {
  const host = `Host: 127.0.0.1:${port}\r\n`;
  const cookie = `Cookie: fsam_token=${token}\r\n`;
  const upgrade = `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://127.0.0.1:${port}\r\n`;
  const ours = /^F-SAM Studio could not read this (address|request)/;
  const requests: [string, string | Buffer, number, RegExp?][] = [
    ['a malformed %-escape (URIError before)', `GET /%E0%A4%A HTTP/1.1\r\n${host}${cookie}Connection: close\r\n\r\n`, 400, /its %-escapes are not valid UTF-8/],
    ['a lone %', `GET /% HTTP/1.1\r\n${host}${cookie}Connection: close\r\n\r\n`, 400, /its %-escapes/],
    ['an address that is not a URL', `GET http://[ HTTP/1.1\r\n${host}${cookie}Connection: close\r\n\r\n`, 400, ours],
    ['a port out of range', `GET http://a:99999/ HTTP/1.1\r\n${host}${cookie}Connection: close\r\n\r\n`, 400, ours],
    ['a NUL in the path', `GET /%00 HTTP/1.1\r\n${host}${cookie}Connection: close\r\n\r\n`, 404],
    ['a socket upgrade to an address that is not a URL', `GET http://[/api HTTP/1.1\r\n${host}${cookie}${upgrade}\r\n`, 400, ours],
    ['a socket upgrade with a malformed %-escape', `GET /api?token=${token}&x=%E0%A4%A HTTP/1.1\r\n${host}${upgrade}\r\n`, 101],
    ['a socket upgrade of another version', `GET /api?token=${token} HTTP/1.1\r\n${host}${upgrade.replace('Version: 13', 'Version: 7')}\r\n`, 400],
    ['a socket upgrade without the token', `GET /api HTTP/1.1\r\n${host}${upgrade}\r\n`, 403, /missing or wrong token/],
    ['headers over 16 KiB', `GET / HTTP/1.1\r\n${host}${cookie}X-Junk: ${'a'.repeat(20_000)}\r\nConnection: close\r\n\r\n`, 431, ours],
    ['a header name with a space', `GET / HTTP/1.1\r\n${host}Bad Header: x\r\nConnection: close\r\n\r\n`, 400],
    ['no Host header', `GET / HTTP/1.1\r\n${cookie}Connection: close\r\n\r\n`, 400],
    ['a foreign Host header', `GET / HTTP/1.1\r\nHost: evil.example\r\n${cookie}Connection: close\r\n\r\n`, 403, /foreign Host/],
    ['a Host header of 8 KiB', `GET / HTTP/1.1\r\nHost: ${'h'.repeat(8000)}\r\n${cookie}Connection: close\r\n\r\n`, 403],
    ['a cookie of junk', `GET / HTTP/1.1\r\n${host}Cookie: fsam_token=%%%; ;;=;\r\nConnection: close\r\n\r\n`, 403],
    ['a garbled token', `GET /?token=%ZZ%00 HTTP/1.1\r\n${host}Connection: close\r\n\r\n`, 403],
    ['an unknown method', `BREW / HTTP/1.1\r\n${host}${cookie}Connection: close\r\n\r\n`, 400],
    ['a POST', `POST / HTTP/1.1\r\n${host}${cookie}Content-Length: 5\r\nConnection: close\r\n\r\nhello`, 405],
    ['a download id too long', `GET /files/${'9'.repeat(40)} HTTP/1.1\r\n${host}${cookie}Connection: close\r\n\r\n`, 404],
    ['bytes that are not HTTP', Buffer.from([0, 1, 2, 3, 255, 254, 13, 10, 13, 10]), 400],
    ['a request line without a version (HTTP/0.9: no Host, refused)', `GET /\r\n\r\n`, 403],
    ['a request line of 64 KiB', `GET /${'a'.repeat(65_536)} HTTP/1.1\r\n${host}\r\n`, 431],
  ];
  const statuses = new Map<string, number>();
  const result = await underAttack('malformed requests', async () => {
    for (const [what, request, status, body] of requests) {
      tally.sent += 1;
      const answer = await rawHttp(request);
      statuses.set(what, answer.status);
      assert.equal(answer.status, status, `${what}: ${answer.body.slice(0, 200)}`);
      if (status === 101) {
        // accepted: a stray parameter is no reason to refuse
        tally.accepted += 1;
        continue;
      }
      if (body !== undefined) assert.match(answer.body, body, `${what}: a clear answer`);
      refused(`HTTP ${status}`);
    }
  });
  t.diagnostic(`malformed requests: ${requests.length} kinds in ${result.rounds} rounds; steps ${result.steps.join(' → ')}`);
});

test('a client that never reads stops being read, then is dropped; the others are not', { timeout: 240_000 }, async (t) => {
  let dropped = 0;
  let sentBySlow = 0;
  const result = await underAttack('a client that never reads', async () => {
    const slow = await Client.open();
    // it stops reading: nothing it is sent leaves the kernel's buffers, then ours
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    let closed = false;
    void slow.closed.then(() => (closed = true));
    const request = { runIds: [runId], series: [...STEP_SERIES], maxPoints: 1_000_000 };
    const deadline = Date.now() + 120_000;
    // it keeps asking for whole series (hundreds of kilobytes each) while never reading an answer
    while (!closed) {
      if (Date.now() > deadline) assert.fail('the server never dropped the client that does not read');
      for (let i = 0; i < 10; i++) slow.ws.send(JSON.stringify({ kind: 'call', id: ++sentBySlow, method: 'metricSeries', args: [request] }));
      sampleRss();
      // meanwhile a well-behaved socket is answered
      await observer.value('listRuns');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    dropped += 1;
    // counted as one request: the connection (its calls are in the diagnostic)
    tally.sent += 1;
    refused('dropped (never read)');
  });
  assert.ok(dropped > 0);
  t.diagnostic(`never reading: ${dropped} clients dropped after ${sentBySlow} requests in ${result.rounds} rounds; steps ${result.steps.join(' → ')}`);
});

test('the process stayed up and its memory bounded; every bad request was refused', { timeout: 60_000 }, async (t) => {
  assert.equal(exits, 0, `the server ended:\n${serverLog}`);
  assert.equal(server.exitCode, null);
  // still serving: the run is still training and its steps still grow
  const steps = await trainedSteps();
  const deadline = Date.now() + 60_000;
  while ((await trainedSteps()) <= steps) {
    if (Date.now() > deadline) assert.fail('the run stopped training');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const run = ((await observer.value('getRun', runId)) as { run: { status: string } }).run;
  assert.equal(run.status, 'running');
  const rssAfter = serverRss();
  if (rssBefore !== undefined && rssAfter !== undefined) {
    sampleRss();
    t.diagnostic(`server memory (RSS): ${MiB(rssBefore)} before, ${MiB(rssPeak)} at most during, ${MiB(rssAfter)} after`);
    // generous: a slow client may hold WEB_LIMITS.droppedClientBytes, the heap grows before it collects
    assert.ok(rssPeak - rssBefore < 768 << 20, `memory grew by ${MiB(rssPeak - rssBefore)} during the attacks`);
    assert.ok(rssAfter - rssBefore < 512 << 20, `memory grew by ${MiB(rssAfter - rssBefore)} over the attacks`);
  } else {
    t.diagnostic('server memory not measured: no /proc on this system');
  }
  t.diagnostic(`requests sent: ${tally.sent}, refused: ${tally.refused}, accepted: ${tally.accepted}, process restarts: ${exits}`);
  t.diagnostic(`refusals: ${[...refusals].map(([kind, count]) => `${kind} ${count}`).join(', ')}`);
  assert.equal(tally.sent, tally.refused + tally.accepted, 'every request was answered: refused, or (where allowed) accepted');
});
