/**
 * Which runs of a comparison count, one way for the service's statistics, the HTML report, the CLI and the
 * Compare screen (issue 13: an unfinished SAM run once showed as a "final" 50.8 % and an interrupted F-SAM
 * run as ended, and SGD was named winner).
 *
 *  - completed runs count: an arm's mean ± sd and the paired differences use them alone;
 *  - queued, running and paused runs are provisional: shown with their progress and latest accuracy;
 *  - stopped, interrupted, diverged and failed runs are excluded: listed apart, never counted;
 *  - a winner is named only once every arm's run of every paired seed has completed.
 *
 * Pure and dependency-free: the renderer bundles it through renderer/src/lib/contract.ts.
 */
import type { ExcludedRun, ProvisionalRun } from './comparisons.js';
import { ACTIVE_STATUSES, RESUMABLE_STATUSES, type RunStatus } from './runStatus.js';

/** What the rules need of a run; a stored RunInfo (app/store/records.ts) has all of it. */
export interface StandingRun {
  id: number;
  status: RunStatus;
  config: { seed: number; epochs: number };
  step: number;
  totalSteps: number | null;
  epochsDone: number;
  finalTestAccuracy: number | null;
  message: string | null;
}

export type RunStanding = 'completed' | 'provisional' | 'excluded';

export function runStanding(status: RunStatus): RunStanding {
  if (status === 'completed') return 'completed';
  return ACTIVE_STATUSES.includes(status) ? 'provisional' : 'excluded';
}

/** The share of a run's steps done, 0–1 (by epochs before its worker has said how many steps there are). */
export function runProgress(run: StandingRun): number {
  if (run.status === 'completed') return 1;
  if (run.totalSteps !== null && run.totalSteps > 0) return Math.min(1, run.step / run.totalSteps);
  return run.config.epochs > 0 ? Math.min(1, run.epochsDone / run.config.epochs) : 0;
}

export interface ArmStanding<Run extends StandingRun> {
  completed: Run[];
  provisional: ProvisionalRun[];
  excluded: ExcludedRun[];
}

/** An arm's runs sorted into those that count, those still going and those that ended unfinished. */
export function armStanding<Run extends StandingRun>(runs: readonly Run[]): ArmStanding<Run> {
  const standing: ArmStanding<Run> = { completed: [], provisional: [], excluded: [] };
  for (const run of runs) {
    const common = { runId: run.id, seed: run.config.seed, status: run.status, epochsDone: run.epochsDone, epochs: run.config.epochs };
    switch (runStanding(run.status)) {
      case 'completed':
        standing.completed.push(run);
        break;
      case 'provisional':
        standing.provisional.push({ ...common, progress: runProgress(run), latestTestAccuracy: run.finalTestAccuracy });
        break;
      case 'excluded':
        standing.excluded.push({ ...common, message: run.message });
        break;
    }
  }
  return standing;
}

export interface ArmRuns {
  arm: string;
  runs: readonly StandingRun[];
}

/** How many items a "no winner yet" sentence names before it says "and N more". */
const NAMED_ITEMS = 3;

function notCompleted(arm: string, run: StandingRun): string {
  const where = `${arm} seed ${run.config.seed}`;
  const epochs = `${run.epochsDone} of ${run.config.epochs} epochs`;
  switch (run.status) {
    case 'queued':
      return `${where} is queued`;
    case 'running':
    case 'paused':
      return `${where} is ${run.status} (${epochs} done)`;
    default: {
      const verb = run.status === 'stopped' || run.status === 'interrupted' ? `was ${run.status}` : run.status;
      const remedy = RESUMABLE_STATUSES.includes(run.status) ? 'resume it to count it' : 'not counted';
      return `${where} ${verb} after ${epochs} (${remedy})`;
    }
  }
}

/**
 * Why no winner may be named yet, as one sentence; null when one may. `seeds` are the comparison's paired
 * seeds: for each, every arm needs a completed run of that seed. Runs picked by hand are not paired
 * (`seeds` null): then every arm needs runs, and every run must have completed.
 */
export function winnerPending(arms: readonly ArmRuns[], seeds: readonly number[] | null): string | null {
  if (arms.length === 0 || arms.every((arm) => arm.runs.length === 0)) return 'No winner yet: there are no runs.';
  const waiting: string[] = [];
  for (const { arm, runs } of arms) {
    if (seeds === null) {
      if (runs.length === 0) waiting.push(`${arm} has no runs`);
      for (const run of runs) if (run.status !== 'completed') waiting.push(notCompleted(arm, run));
      continue;
    }
    for (const seed of seeds) {
      const ofSeed = runs.filter((run) => run.config.seed === seed);
      if (ofSeed.some((run) => run.status === 'completed')) continue;
      if (ofSeed.length === 0) waiting.push(`${arm} has no run of seed ${seed}`);
      else waiting.push(...ofSeed.map((run) => notCompleted(arm, run)));
    }
  }
  if (waiting.length === 0) return null;
  const named = waiting.slice(0, NAMED_ITEMS).join('; ');
  const more = waiting.length > NAMED_ITEMS ? `; and ${waiting.length - NAMED_ITEMS} more` : '';
  return `No winner yet: ${named}${more}.`;
}
