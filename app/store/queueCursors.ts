/**
 * The queue_cursors table: for each job queue a studio has used (its URL redacted, never a password), the
 * studio's id there (its namespace on a Redis that other studios may share) and the stream id of the last
 * worker event it applied. The cursor is written in the transaction that applies the event, so a studio
 * reopened after a crash or a quit continues exactly after the last event it recorded.
 */
import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';

export interface QueueCursor {
  studioId: string;
  lastEventId: string;
}

export class QueueCursors {
  private readonly statements;

  constructor(db: Database.Database) {
    this.statements = {
      get: db.prepare<[string], { studio_id: string; last_event_id: string }>('SELECT studio_id, last_event_id FROM queue_cursors WHERE queue = ?'),
      insert: db.prepare('INSERT INTO queue_cursors (queue, studio_id, last_event_id) VALUES (?, ?, ?)'),
      advance: db.prepare('UPDATE queue_cursors SET last_event_id = ? WHERE queue = ?'),
    };
  }

  /** The cursor for `redactedQueue`, created (a fresh studio id, nothing applied yet) on first use. */
  open(redactedQueue: string): QueueCursor {
    const row = this.statements.get.get(redactedQueue);
    if (row) return { studioId: row.studio_id, lastEventId: row.last_event_id };
    const cursor = { studioId: randomUUID(), lastEventId: '0-0' };
    this.statements.insert.run(redactedQueue, cursor.studioId, cursor.lastEventId);
    return cursor;
  }

  advance(redactedQueue: string, lastEventId: string): void {
    this.statements.advance.run(lastEventId, redactedQueue);
  }
}
