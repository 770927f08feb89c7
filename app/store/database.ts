/**
 * Opening the SQLite file: refuse one written by a newer version without touching it, apply pending
 * migrations in one transaction each, and switch to WAL so readers (a second process, the CLI while the app
 * trains) never block the writer.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS } from './migrations.js';

export class StoreVersionError extends Error {
  override name = 'StoreVersionError';
}

export const SCHEMA_VERSION = MIGRATIONS.length;

function readSchemaVersion(path: string, options: DatabaseOptions): number {
  const notAStore = (why: string) => new Error(`${path} is not an F-SAM Studio store (${why}); it was left untouched — choose another file with --db or FSAM_DB`);
  if (!statSync(path).isFile()) throw notAStore('it is not a file');
  // read-only, so that a file we will refuse is not changed in any way
  let probe: Database.Database | undefined;
  try {
    probe = new Database(path, { readonly: true, fileMustExist: true, nativeBinding: options.nativeBinding });
    const version = probe.pragma('user_version', { simple: true }) as number;
    const tables = (probe.prepare('SELECT count(*) AS n FROM sqlite_schema').get() as { n: number }).n;
    if (version === 0 && tables > 0) throw notAStore('it holds tables of another program');
    return version;
  } catch (error) {
    if ((error as Error).message.includes('is not an F-SAM Studio store')) throw error;
    throw notAStore((error as Error).message);
  } finally {
    probe?.close();
  }
}

export interface DatabaseOptions {
  /**
   * The better-sqlite3 native addon to load instead of the one in node_modules: the desktop app in
   * development loads a copy built for Electron's ABI, so that node_modules keeps the one Node needs.
   */
  nativeBinding?: string;
}

export function openDatabase(path: string, options: DatabaseOptions = {}): Database.Database {
  if (existsSync(path)) {
    const version = readSchemaVersion(path, options);
    if (version > SCHEMA_VERSION) {
      throw new StoreVersionError(
        `${path} was written by a newer version of F-SAM Studio (store schema ${version}; this version knows up to ${SCHEMA_VERSION}). ` +
          'It was left untouched: update F-SAM Studio, or choose another file with --db or FSAM_DB.',
      );
    }
  } else {
    mkdirSync(dirname(path), { recursive: true });
  }
  const db = new Database(path, { nativeBinding: options.nativeBinding });
  try {
    db.pragma('foreign_keys = ON');
    // another process (the CLI next to the app) may hold the write lock for a moment
    db.pragma('busy_timeout = 5000');
    migrate(db);
    db.pragma('journal_mode = WAL');
    // WAL's usual pairing: durable at checkpoints, far fewer fsyncs while metrics stream in
    db.pragma('synchronous = NORMAL');
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function migrate(db: Database.Database): void {
  // the version is read inside each write transaction: two processes opening a new file at once apply each migration once
  const applyNext = db.transaction((): boolean => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version >= MIGRATIONS.length) return false;
    db.exec(MIGRATIONS[version]!);
    db.pragma(`user_version = ${version + 1}`);
    return true;
  });
  while (applyNext.immediate()) {
    // one migration per transaction
  }
}
