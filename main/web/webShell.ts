/**
 * The web shell: serves the renderer build over HTTP and StudioApi over a WebSocket, for a browser or a
 * headless training box. Anyone who can reach the port could train on and delete from the store, so:
 * bound to loopback unless told otherwise; every request needs the random token printed with the URL
 * (once in the query string, then an HttpOnly same-site cookie); requests from a foreign Origin and, on
 * loopback, with a foreign Host (DNS rebinding) are refused.
 *
 * And nothing a client sends may end the process or starve the runs training in it (SECURITY.md): every
 * socket and the server have error handlers; a malformed address is a 400; a frame over WEB_LIMITS.maxFrameBytes
 * closes its socket with 1009 ("message too big"); sockets are capped per client and in all; each connection
 * has the request budget of app/api/connection.ts; and a client that stops reading its answers stops being
 * read, then is dropped.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex, Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { ApiConnection, type ConnectionLimits } from '../../app/api/connection.js';
import type { StudioApi } from '../../app/api/types.js';
import { WIRE_PATH } from '../../app/api/wire.js';
import { attachmentDisposition, type DownloadableFile } from '../../app/export/downloads.js';

const TOKEN_COOKIE = 'fsam_token';
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

/** The renderer's Content-Security-Policy: only our own scripts; the API socket is same-origin. */
export const WEB_CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

export interface WebShellOptions {
  api: StudioApi;
  /** The renderer build (index.html and its assets). */
  rendererFolder: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Default: 24 random bytes, base64url. */
  token?: string;
  /** Files `GET /files/<id>` may download (the store's exports and reports); without it the route is 404. */
  files?: (fileId: number) => DownloadableFile | undefined;
  /** Each connection's request budget (default CONNECTION_LIMITS). */
  connectionLimits?: ConnectionLimits;
}

export interface WebShell {
  /** The address to open, token included. */
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

/** What the web shell allows one client and all of them, beside each connection's budget (CONNECTION_LIMITS). */
export const WEB_LIMITS = Object.freeze({
  /** One WebSocket message; a larger frame closes the socket with 1009 "message too big". */
  maxFrameBytes: 1 << 20,
  /** WebSockets open at once from one address (on loopback: every tab of every local browser)… */
  socketsPerClient: 32,
  /** …and from all addresses together. */
  socketsInAll: 128,
  /** TCP connections of the server at once: pages, assets and sockets. */
  connections: 256,
  /** Bytes queued for a client beyond which its socket is no longer read (it sends no new work)… */
  slowClientBytes: 4 << 20,
  /** …and how long it may stay so before it is dropped (it reconnects, and its streams resume). */
  slowClientMs: 5000,
  /** Bytes queued beyond which a client is dropped at once. */
  droppedClientBytes: 64 << 20,
  /** How often paused sockets are looked at again (resumed, or dropped). */
  paceEveryMs: 100,
  /** A request's headers must arrive within this, the whole request within requestTimeoutMs. */
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 60_000,
});

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

function sameSecret(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The request's target as a URL, or undefined when it is not one ("http://[", a bad port). */
function targetOf(request: IncomingMessage): URL | undefined {
  try {
    return new URL(request.url ?? '/', 'http://localhost');
  } catch {
    return undefined;
  }
}

/** A short text answer; nosniff, as it may repeat what the client sent (a refused Host header). */
function plainText(response: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { ...headers, 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), 'x-content-type-options': 'nosniff' }).end(text);
}

/** Streams a file; a read that fails midway (the file removed, a disk error) ends the response, nothing more. */
function sendFile(response: ServerResponse, open: () => Readable): void {
  let stream: Readable;
  try {
    stream = open();
  } catch {
    response.destroy();
    return;
  }
  pipeline(stream, response, () => {});
}

/** An HTTP answer written on a raw socket (a refused upgrade, a request Node's parser rejected), then closed. */
function answerRaw(socket: Duplex, status: number, text: string): void {
  // a client that resets the connection meanwhile is no error of ours
  socket.on('error', () => socket.destroy());
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = Buffer.from(text);
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${text}`);
}

function cookieToken(request: IncomingMessage): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === TOKEN_COOKIE) return value.join('=');
  }
  return undefined;
}

export async function startWebShell(options: WebShellOptions): Promise<WebShell> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(24).toString('base64url');
  const rendererFolder = resolve(options.rendererFolder);
  const loopbackOnly = LOOPBACK_HOSTS.has(host);
  let port = options.port ?? 0;

  /** Why a request is refused, or undefined when it may proceed. */
  const refusal = (request: IncomingMessage, url: URL, requireOrigin: boolean): string | undefined => {
    const hostHeader = request.headers.host ?? '';
    if (loopbackOnly) {
      const hostName = hostHeader.replace(/:\d+$/, '');
      if (!LOOPBACK_HOSTS.has(hostName)) return `foreign Host "${hostHeader}"`;
    }
    const origin = request.headers.origin;
    if (origin === undefined ? requireOrigin : origin !== `http://${hostHeader}`) return `foreign Origin "${origin ?? ''}"`;
    if (!sameSecret(url.searchParams.get('token') ?? undefined, token) && !sameSecret(cookieToken(request), token)) return 'missing or wrong token';
    return undefined;
  };

  const handleRequest = (request: IncomingMessage, response: ServerResponse) => {
    const url = targetOf(request);
    if (url === undefined) {
      plainText(response, 400, 'F-SAM Studio could not read this address.\n');
      return;
    }
    const refused = refusal(request, url, false);
    if (refused) {
      plainText(response, 403, `F-SAM Studio refused this request (${refused}). Open the address that \`fsam-studio serve\` printed, with its token.\n`);
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const headers: Record<string, string> = {
      'content-security-policy': WEB_CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      // the token is in the page's URL: never send it on as a referrer
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-cache',
    };
    if (url.searchParams.has('token')) headers['set-cookie'] = `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
    const download = /^\/files\/(\d{1,15})$/.exec(url.pathname);
    if (download) {
      const found = options.files?.(Number(download[1]));
      if (!found) {
        plainText(response, 404, `There is no exported file ${download[1]} in the store\n`, headers);
        return;
      }
      response.writeHead(200, { ...headers, 'content-type': found.mediaType, 'content-length': String(found.bytes), 'content-disposition': attachmentDisposition(found.name) });
      if (request.method === 'HEAD') response.end();
      else sendFile(response, () => createReadStream(found.path));
      return;
    }
    let decodedPath: string;
    try {
      decodedPath = decodeURIComponent(url.pathname);
    } catch {
      plainText(response, 400, 'F-SAM Studio could not read this address: its %-escapes are not valid UTF-8.\n', headers);
      return;
    }
    const relativePath = normalize(decodedPath).replace(/^([/\\])+/, '');
    const file = join(rendererFolder, relativePath === '' ? 'index.html' : relativePath);
    if (file.includes('\0') || !file.startsWith(rendererFolder + sep) || !existsSync(file) || !statSync(file).isFile()) {
      const missingBuild = !existsSync(join(rendererFolder, 'index.html'));
      plainText(response, 404, missingBuild ? `The studio's renderer is not built (${rendererFolder}); run npm run build.\n` : 'Not found\n', headers);
      return;
    }
    response.writeHead(200, { ...headers, 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' });
    if (request.method === 'HEAD') response.end();
    else sendFile(response, () => createReadStream(file));
  };

  const server = createServer({ headersTimeout: WEB_LIMITS.headersTimeoutMs, requestTimeout: WEB_LIMITS.requestTimeoutMs }, (request, response) => {
    try {
      handleRequest(request, response);
    } catch (error) {
      // a bug of ours (or a file that vanished between two looks) answers this request, and only it
      if (!response.headersSent) plainText(response, 500, 'F-SAM Studio could not answer this request.\n');
      else response.destroy();
      console.error(`fsam-studio serve: a request failed: ${(error as Error).message}`);
    }
  });
  server.maxConnections = WEB_LIMITS.connections;
  // what Node's parser refuses (bad request line, oversized or malformed headers, timeouts) is answered and closed
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    answerRaw(socket, status, `F-SAM Studio could not read this request (${STATUS_CODES[status]}).\n`);
  });

  const sockets = new WebSocketServer({ noServer: true, maxPayload: WEB_LIMITS.maxFrameBytes, perMessageDeflate: false });
  sockets.on('error', (error) => console.error(`fsam-studio serve: ${error.message}`));
  /** Open sockets per remote address. */
  const socketsFrom = new Map<string, number>();
  /** Each open connection's pacing (see serveConnection), looked at every paceEveryMs. */
  const connections = new Set<() => void>();
  const pacer = setInterval(() => {
    for (const pace of connections) pace();
  }, WEB_LIMITS.paceEveryMs);
  pacer.unref();

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const url = targetOf(request);
    if (url === undefined) {
      answerRaw(socket, 400, 'F-SAM Studio could not read this address.\n');
      return;
    }
    // a WebSocket is not bound by the same-origin policy, so its Origin is required and checked
    const refused = url.pathname !== WIRE_PATH ? 'not the API path' : refusal(request, url, true);
    if (refused) {
      answerRaw(socket, 403, `${refused}\n`);
      return;
    }
    const address = request.socket.remoteAddress ?? '';
    const fromClient = socketsFrom.get(address) ?? 0;
    if (fromClient >= WEB_LIMITS.socketsPerClient || sockets.clients.size >= WEB_LIMITS.socketsInAll) {
      const limit = fromClient >= WEB_LIMITS.socketsPerClient ? `${WEB_LIMITS.socketsPerClient} from one address` : `${WEB_LIMITS.socketsInAll} in all`;
      answerRaw(socket, 503, `too many connections: at most ${limit} are open at once; close a tab or wait, then reconnect\n`);
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => {
      socketsFrom.set(address, (socketsFrom.get(address) ?? 0) + 1);
      const pace = serveConnection(ws, options.api, options.connectionLimits);
      connections.add(pace);
      ws.once('close', () => {
        connections.delete(pace);
        const left = (socketsFrom.get(address) ?? 1) - 1;
        if (left > 0) socketsFrom.set(address, left);
        else socketsFrom.delete(address);
      });
    });
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  // after listening, an accept error (too many open files, …) is logged; the server goes on
  server.on('error', (error) => console.error(`fsam-studio serve: ${error.message}`));
  port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    port,
    token,
    close: async () => {
      clearInterval(pacer);
      for (const client of sockets.clients) client.terminate();
      await new Promise<void>((done) => sockets.close(() => done()));
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

/**
 * One client's socket: frames in, answers and events out. Returns its pacing, called after every frame and
 * answer and every WEB_LIMITS.paceEveryMs: the socket is not read while its connection is over its message
 * rate or while more than slowClientBytes wait to be sent to it, and is dropped when that lasts longer
 * than slowClientMs or passes droppedClientBytes. Not reading is what keeps a flood cheap: the client's
 * frames wait in its own buffers, not in ours.
 */
function serveConnection(ws: WebSocket, api: StudioApi, limits: ConnectionLimits | undefined): () => void {
  let paused = false;
  let slowSince: number | undefined;
  const pace = () => {
    if (ws.readyState !== ws.OPEN) return;
    const queued = ws.bufferedAmount;
    const now = performance.now();
    if (queued > WEB_LIMITS.slowClientBytes) slowSince ??= now;
    else slowSince = undefined;
    if (queued > WEB_LIMITS.droppedClientBytes || (slowSince !== undefined && now - slowSince > WEB_LIMITS.slowClientMs)) {
      ws.terminate();
      return;
    }
    const pause = slowSince !== undefined || connection.budget.waitMs() > 0;
    if (pause === paused) return;
    paused = pause;
    if (pause) ws.pause();
    else ws.resume();
  };
  const connection = new ApiConnection(
    api,
    (message) => {
      if (ws.readyState !== ws.OPEN) return;
      ws.send(JSON.stringify(message));
      pace();
    },
    limits,
  );
  ws.on('message', (data, isBinary) => {
    void connection.handleFrame(isBinary ? null : String(data));
    pace();
  });
  // ws closes the socket itself on a bad frame (1009 too big, 1002 protocol, 1007 not UTF-8): 'close' follows
  ws.on('error', () => {});
  ws.on('close', () => connection.close());
  return pace;
}
