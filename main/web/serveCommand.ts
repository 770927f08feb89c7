/** `fsam-studio serve`: the studio in a browser — the web shell around a service on the store. */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openSession, STORE_FLAGS, STORE_FLAGS_HELP } from '../../app/cli/session.js';
import { UsageError } from '../../app/cli/usage.js';
import { startWebShell } from './webShell.js';

/** The renderer build next to this file's build folder: build/main/web → build/renderer. */
export const RENDERER_BUILD_FOLDER = fileURLToPath(new URL('../../renderer/', import.meta.url));

export const SERVE_HELP = `fsam-studio serve — the studio in a browser (for a headless training box, or without Electron)

Usage: fsam-studio serve [--port N] [--host ADDRESS]

  --port N               default 0: any free port
  --host ADDRESS         default 127.0.0.1 (this machine only). Another address exposes the studio to your
                         network, guarded only by the token: use it on networks you trust, or an SSH tunnel.

Prints the address to open, with a random token in it, on a line of its own. Requests without the token,
or from another site, are refused. Ctrl+C stops the runs with a checkpoint and quits.

${STORE_FLAGS_HELP}`;

export async function serveCommand(args: string[]): Promise<number> {
  let flags;
  try {
    flags = parseArgs({ args, options: { ...STORE_FLAGS, port: { type: 'string' }, host: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (flags.help) {
    console.log(SERVE_HELP);
    return 0;
  }
  const port = Number(flags.port ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a whole number from 0 to 65535, got "${flags.port}"`);
  const session = openSession(flags);
  const shell = await startWebShell({ api: session.service, files: (fileId) => session.service.downloadableFile(fileId), rendererFolder: RENDERER_BUILD_FOLDER, host: flags.host, port });
  console.log(`F-SAM Studio is served at (open this address; it carries the access token):\n${shell.url}`);
  console.log(`store: ${session.service.store.path}`);
  // Ctrl+C: the session stops the runs; once they have, close the server and leave
  await new Promise<void>((resolve) => process.once('SIGINT', () => setImmediate(resolve)));
  await session.close();
  await shell.close();
  return 0;
}
