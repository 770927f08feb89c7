/** Filtering and sorting of the Runs table, kept pure so it can be tested without a browser. */
import { ACTIVE_STATUSES, runProgress, type RunInfo, type RunStatus } from './contract.js';

/** The share of a run's steps done, 0–1: the one definition Compare, the report and the CLI use too. */
export { runProgress };

/**
 * Where a run trains, in a few words: its backend on this machine, or "queue · <worker's host> · <backend>"
 * for a run on the job queue ("queue · waiting for a worker" until a worker takes it, again after a resume).
 */
export function runWhere(run: Pick<RunInfo, 'placement' | 'status' | 'workerHost' | 'backend'>): string {
  if (run.placement === 'local') return run.backend ?? '—';
  if (run.status === 'queued') return 'queue · waiting for a worker';
  // stopped before any worker took it
  if (run.workerHost === null) return 'queue';
  return `queue · ${run.workerHost} · ${run.backend ?? '—'}`;
}

export type RunColumn = 'id' | 'name' | 'optimizer' | 'status' | 'backend' | 'progress' | 'bestTestAccuracy' | 'stepsPerSecond' | 'createdAt';
export type SortDirection = 'ascending' | 'descending';

export interface RunFilter {
  /** 'all', 'active' (queued, running, paused) or one status. */
  status: RunStatus | 'all' | 'active';
  /** Matched against name, id, optimizer, model, data set, arm and where it trains (backend, queue, worker). */
  text: string;
}

export function matchesFilter(run: RunInfo, filter: RunFilter): boolean {
  if (filter.status === 'active' ? !ACTIVE_STATUSES.includes(run.status) : filter.status !== 'all' && run.status !== filter.status) return false;
  const words = filter.text.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const haystack = [`#${run.id}`, String(run.id), run.name, run.config.optimizer.name, run.config.model, run.config.data.name, run.arm ?? '', runWhere(run), run.status].join(' ').toLowerCase();
  return words.every((word) => haystack.includes(word));
}

function sortValue(run: RunInfo, column: RunColumn): number | string | null {
  switch (column) {
    case 'id':
      return run.id;
    case 'name':
      return run.name.toLowerCase();
    case 'optimizer':
      return run.config.optimizer.name;
    case 'status':
      return run.status;
    case 'backend':
      return runWhere(run);
    case 'progress':
      return runProgress(run);
    case 'bestTestAccuracy':
      return run.bestTestAccuracy;
    case 'stepsPerSecond':
      return run.stepsPerSecond;
    case 'createdAt':
      return run.createdAt;
  }
}

/** Sorted copy; runs without a value (null) go last in either direction, ties by newest id first. */
export function sortRuns(runs: readonly RunInfo[], column: RunColumn, direction: SortDirection): RunInfo[] {
  const sign = direction === 'ascending' ? 1 : -1;
  return [...runs].sort((a, b) => {
    const left = sortValue(a, column);
    const right = sortValue(b, column);
    if (left === null || right === null) {
      if (left !== right) return left === null ? 1 : -1;
    } else if (left !== right) {
      return (left < right ? -1 : 1) * sign;
    }
    return b.id - a.id;
  });
}
