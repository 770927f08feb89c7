/**
 * The web shell: serves the renderer build over HTTP and StudioApi over a WebSocket, for a browser or a
 * headless training box. Anyone who can reach the port could train on and delete from the store, so:
 * bound to loopback unless told otherwise; every request needs the random token printed with the URL
 * (once in the query string, then an HttpOnly same-site cookie); requests from a foreign Origin and, on
 * loopback, with a foreign Host (DNS rebinding) are refused.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { ApiConnection } from '../../app/api/connection.js';
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
}

export interface WebShell {
  /** The address to open, token included. */
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

function sameSecret(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
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

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const refused = refusal(request, url, false);
    if (refused) {
      response.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' }).end(
        `F-SAM Studio refused this request (${refused}). Open the address that \`fsam-studio serve\` printed, with its token.\n`,
      );
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
        response.writeHead(404, { ...headers, 'content-type': 'text/plain; charset=utf-8' }).end(`There is no exported file ${download[1]} in the store\n`);
        return;
      }
      response.writeHead(200, { ...headers, 'content-type': found.mediaType, 'content-length': String(found.bytes), 'content-disposition': attachmentDisposition(found.name) });
      if (request.method === 'HEAD') response.end();
      else createReadStream(found.path).pipe(response);
      return;
    }
    const relativePath = normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '');
    const file = join(rendererFolder, relativePath === '' ? 'index.html' : relativePath);
    if (!file.startsWith(rendererFolder + sep) || !existsSync(file) || !statSync(file).isFile()) {
      const missingBuild = !existsSync(join(rendererFolder, 'index.html'));
      response.writeHead(404, { ...headers, 'content-type': 'text/plain; charset=utf-8' }).end(
        missingBuild ? `The studio's renderer is not built (${rendererFolder}); run npm run build.\n` : 'Not found\n',
      );
      return;
    }
    response.writeHead(200, { ...headers, 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' });
    if (request.method === 'HEAD') response.end();
    else createReadStream(file).pipe(response);
  });

  const sockets = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    // a WebSocket is not bound by the same-origin policy, so its Origin is required and checked
    const refused = url.pathname !== WIRE_PATH ? 'not the API path' : refusal(request, url, true);
    if (refused) {
      socket.end(`HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n${refused}\n`);
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => serveConnection(ws, options.api));
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolveListen());
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    port,
    token,
    close: async () => {
      for (const client of sockets.clients) client.terminate();
      await new Promise<void>((done) => sockets.close(() => done()));
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

function serveConnection(ws: WebSocket, api: StudioApi): void {
  const connection = new ApiConnection(api, (message) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  });
  ws.on('message', (data, isBinary) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(isBinary ? '' : data.toString());
    } catch {
      parsed = undefined;
    }
    void connection.handle(parsed);
  });
  ws.on('close', () => connection.close());
}
