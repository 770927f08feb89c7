/**
 * Opening the SQLite file: refuse one written by a newer version, a damaged one or another program's
 * without touching it (nor leaving -wal/-shm files beside it), apply pending
 * migrations in one transaction each, and switch to WAL so readers (a second process, the CLI while the app
 * trains) never block the writer.
 */
import Database from 'better-sqlite3';
import { closeSync, existsSync, mkdirSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS } from './migrations.js';

export class StoreVersionError extends Error {
  override name = 'StoreVersionError';
}

/** A file that is an F-SAM Studio store (SQLite with our schema version) but cannot be read as one. */
export class StoreDamagedError extends Error {
  override name = 'StoreDamagedError';
}

export const SCHEMA_VERSION = MIGRATIONS.length;

/** The first 100 bytes of every SQLite file (https://www.sqlite.org/fileformat.html#the_database_header). */
const HEADER_BYTES = 100;
const MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

interface SqliteHeader {
  /** user_version, where the store keeps its schema version. */
  userVersion: number;
  /** Bytes the header says the file holds, when it says so reliably (the change counter matches). */
  declaredBytes: number | undefined;
}

/** The header of a SQLite file, read as bytes: no SQLite connection, so nothing is created beside the file. */
function readHeader(path: string): SqliteHeader | 'empty' | 'not-sqlite' {
  const header = Buffer.alloc(HEADER_BYTES);
  const fd = openSync(path, 'r');
  let read: number;
  try {
    read = readSync(fd, header, 0, HEADER_BYTES, 0);
  } finally {
    closeSync(fd);
  }
  if (read === 0) return 'empty';
  if (read < HEADER_BYTES || !header.subarray(0, MAGIC.length).equals(MAGIC)) return 'not-sqlite';
  const rawPageSize = header.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  const pages = header.readUInt32BE(28);
  const valid = pages > 0 && header.readUInt32BE(24) === header.readUInt32BE(92);
  return { userVersion: header.readInt32BE(60), declaredBytes: valid ? pages * pageSize : undefined };
}

/** SQLite's codes for a file that is not (or no longer) a database it can read. */
function isDamage(error: unknown): boolean {
  const code = String((error as { code?: unknown } | undefined)?.code ?? '');
  return code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_IOERR_SHORT_READ');
}

function damaged(path: string, why: string): StoreDamagedError {
  return new StoreDamagedError(
    `${path} is a damaged F-SAM Studio store (${why}); it was left untouched — restore it from a backup, or choose another file with --db or FSAM_DB`,
  );
}

/**
 * The file's schema version, or an error when it is not a store we can open. Nothing is written: a refused
 * file keeps its bytes, and no -wal or -shm file is left beside it (a read-only SQLite connection to a file in
 * WAL mode creates both and, being read-only, cannot remove them; they are removed here if they were not
 * there before).
 */
function readSchemaVersion(path: string, options: DatabaseOptions): number {
  const notAStore = (why: string) => new Error(`${path} is not an F-SAM Studio store (${why}); it was left untouched — choose another file with --db or FSAM_DB`);
  if (!statSync(path).isFile()) throw notAStore('it is not a file');
  let header: ReturnType<typeof readHeader>;
  try {
    header = readHeader(path);
  } catch (error) {
    throw notAStore(`it cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (header === 'empty') return 0;
  if (header === 'not-sqlite') throw notAStore('it is not an SQLite database');
  const ours = header.userVersion > 0;
  const sidecars = [`${path}-wal`, `${path}-shm`];
  const hadSidecars = sidecars.map((file) => existsSync(file));
  const walInUse = hadSidecars[0]! && statSync(sidecars[0]!).size > 0;
  // the header is the whole truth when no write-ahead log holds newer pages
  if (!walInUse) {
    if (header.userVersion > SCHEMA_VERSION) return header.userVersion;
    const size = statSync(path).size;
    if (ours && header.declaredBytes !== undefined && size < header.declaredBytes) {
      throw damaged(path, `the file holds ${size} bytes but its header says ${header.declaredBytes}; it was cut short`);
    }
  }
  let probe: Database.Database | undefined;
  let refused = false;
  try {
    probe = new Database(path, { readonly: true, fileMustExist: true, nativeBinding: options.nativeBinding });
    const version = probe.pragma('user_version', { simple: true }) as number;
    const tables = probe.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all() as string[];
    if (version === 0 && tables.length > 0) throw notAStore('it holds tables of another program');
    // each table's first page: a garbled file fails here rather than in the middle of a migration
    for (const table of tables) probe.prepare(`SELECT 1 FROM "${table.replaceAll('"', '""')}" LIMIT 1`).get();
    return version;
  } catch (error) {
    refused = true;
    if ((error as Error).message.includes('is not an F-SAM Studio store')) throw error;
    if (ours) throw damaged(path, isDamage(error) ? `SQLite: ${(error as Error).message}` : (error as Error).message);
    throw notAStore((error as Error).message);
  } finally {
    probe?.close();
    if (refused) sidecars.forEach((file, i) => !hadSidecars[i] && rmSync(file, { force: true }));
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
      // read from the header alone, or with the probe's -wal/-shm removed again: nothing is left beside the file
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
    // damage the probe did not reach (a page deep inside a table) shows when the migrations read it
    if (isDamage(error)) throw damaged(path, `SQLite: ${(error as Error).message}`);
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
