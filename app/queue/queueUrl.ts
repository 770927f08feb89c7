/**
 * A job queue's address: redis://[user:password@]host:port[/db], or rediss:// for TLS. Parsed with zod at the
 * boundary (a CLI flag, FSAM_QUEUE_URL, Settings); the password lives only in the parsed value's connection
 * options. Everything that is shown, logged or stored uses `redacted` ("redis://user:***@host:port/db").
 */
import type { RedisOptions as BullRedisOptions } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import { z } from 'zod';
import { parseOrThrow } from '../validation.js';

export interface QueueUrl {
  /** For the UI, logs and the store: the password replaced by ***. */
  readonly redacted: string;
  /** ioredis options (host, port, db, username, password, tls); never printed. */
  readonly connection: RedisOptions;
}

const urlSchema = z
  .string({ error: 'must be a redis:// or rediss:// URL' })
  .trim()
  .transform((text, context) => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      // the input itself is not echoed: it may hold a password
      context.addIssue({ code: 'custom', message: 'is not a URL; expected redis://[user:password@]host:port[/db] or rediss://…' });
      return z.NEVER;
    }
    if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
      context.addIssue({ code: 'custom', message: `must start with redis:// or rediss:// (TLS), not ${url.protocol}//` });
      return z.NEVER;
    }
    if (url.hostname === '') {
      context.addIssue({ code: 'custom', message: 'names no host' });
      return z.NEVER;
    }
    const port = url.port === '' ? 6379 : Number(url.port);
    const dbText = url.pathname.replace(/^\//, '');
    const db = dbText === '' ? 0 : Number(dbText);
    if (!Number.isInteger(db) || db < 0 || db > 15) {
      context.addIssue({ code: 'custom', message: `its path must be a database number 0–15, not "/${dbText}"` });
      return z.NEVER;
    }
    if (url.search !== '' || url.hash !== '') {
      context.addIssue({ code: 'custom', message: 'takes no query or fragment' });
      return z.NEVER;
    }
    return { tls: url.protocol === 'rediss:', host: url.hostname, port, db, username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
  });

export function parseQueueUrl(input: unknown, where = 'queue'): QueueUrl {
  const parts = parseOrThrow(urlSchema, input, 'Invalid queue URL', where);
  const user = parts.username === '' ? '' : parts.username;
  const credentials = parts.password !== '' ? `${user}:***@` : user !== '' ? `${user}@` : '';
  const host = parts.host.includes(':') && !parts.host.startsWith('[') ? `[${parts.host}]` : parts.host;
  return {
    redacted: `${parts.tls ? 'rediss' : 'redis'}://${credentials}${host}:${parts.port}/${parts.db}`,
    connection: {
      host: parts.host.replace(/^\[|\]$/g, ''),
      port: parts.port,
      db: parts.db,
      ...(user !== '' ? { username: user } : {}),
      ...(parts.password !== '' ? { password: parts.password } : {}),
      ...(parts.tls ? { tls: { servername: parts.host } } : {}),
      // BullMQ's blocking commands must wait out a lost connection rather than fail (its documented requirement)
      maxRetriesPerRequest: null,
    },
  };
}

/** The job queue a command or app was given (--queue, else FSAM_QUEUE_URL), validated; undefined for none. */
export function queueFrom(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): QueueUrl | undefined {
  const text = flag ?? env.FSAM_QUEUE_URL;
  if (text === undefined || text === '') return undefined;
  return parseQueueUrl(text, flag !== undefined ? '--queue' : 'FSAM_QUEUE_URL');
}

/**
 * An error from Redis in words for the user, with nothing of the URL but its redacted form: a wrong
 * password, no password given, or no server at that address.
 */
export function describeQueueError(error: unknown, queue: QueueUrl): string {
  const text = error instanceof Error ? error.message : String(error);
  if (/WRONGPASS|invalid username-password|invalid password/i.test(text)) return `the queue at ${queue.redacted} refused the user name or password (${text.split('\n')[0]})`;
  if (/NOAUTH/i.test(text)) return `the queue at ${queue.redacted} needs a password: give it in the URL (redis://:PASSWORD@host:port) or FSAM_QUEUE_URL`;
  if (/ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EHOSTUNREACH/.test(text)) return `no Redis answers at ${queue.redacted} (${text.split('\n')[0]})`;
  return `the queue at ${queue.redacted} failed: ${text.split('\n')[0]}`;
}

/** The same options typed as BullMQ's own (it declares its connection options apart from ioredis's). */
export function bullConnection(queue: QueueUrl): BullRedisOptions {
  return { ...queue.connection } as BullRedisOptions;
}
