/**
 * The Compare screen's own rules (renderer/src/lib/compareGroups.ts, metrics.ts), on RunInfo records from a
 * real store (issue 13): an arm's summary counts completed runs alone and lists the rest; runs picked by
 * hand get a leader only once every one of them completed; a saved comparison shows the service's verdict;
 * an empty chart says why from the runs' optimizers and steps.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { StudioService } from '../../app/api/service.js';
import type { ComparisonDetail } from '../../app/api/types.js';
import { compareVerdict, groupsForComparison, groupsForRuns, leadingGroup, summarizeGroup } from '../../renderer/src/lib/compareGroups.js';
import { CHARTS, chartEmptyText, chartRun } from '../../renderer/src/lib/metrics.js';
import { storeComparison } from '../support/comparisons.js';
import { temporaryFolder } from '../support/runs.js';

const folder = temporaryFolder('fsam-compare-groups-');
let service: StudioService;
let midWay: ComparisonDetail;
let runIds: Map<string, number>;

before(async () => {
  service = StudioService.open({ databasePath: join(folder.path, 'studio.db'), concurrency: 1 });
  const stored = storeComparison(service.store, {
    name: 'mid-way',
    arms: ['sgd', 'sam', 'fsam'],
    seeds: [1, 2],
    runs: [
      { arm: 'sgd', seed: 1, status: 'completed', accuracies: [0.7, 0.8, 0.84] },
      { arm: 'sgd', seed: 2, status: 'completed', accuracies: [0.7, 0.8, 0.82] },
      { arm: 'sam', seed: 1, status: 'running', accuracies: [0.508] },
      { arm: 'sam', seed: 2, status: 'queued', accuracies: [] },
      { arm: 'fsam', seed: 1, status: 'interrupted', accuracies: [0.6, 0.7] },
      { arm: 'fsam', seed: 2, status: 'completed', accuracies: [0.7, 0.8, 0.86] },
    ],
  });
  runIds = stored.runIds;
  midWay = await service.getComparison(stored.comparisonId);
});
after(async () => {
  await service.close();
  folder.remove();
});

const group = (groups: ReturnType<typeof groupsForComparison>, key: string) => groups.find((candidate) => candidate.key === key)!;

describe('an arm of a comparison part-way through', () => {
  test('its summary counts completed runs alone; the running and queued ones are provisional, the interrupted one apart', () => {
    const groups = groupsForComparison(midWay);
    const sam = summarizeGroup(group(groups, 'sam'));
    assert.equal(sam.completed, 0);
    assert.equal(sam.final, null, 'no "final" accuracy while SAM trains');
    assert.deepEqual(
      sam.provisional.map((entry) => [entry.runId, entry.status, entry.latestTestAccuracy]),
      [
        [runIds.get('sam/1'), 'running', 0.508],
        [runIds.get('sam/2'), 'queued', null],
      ],
    );
    const fsam = summarizeGroup(group(groups, 'fsam'));
    assert.equal(fsam.completed, 1);
    assert.equal(fsam.final!.count, 1);
    assert.ok(Math.abs(fsam.final!.mean - 0.86) < 1e-12, 'its one completed run');
    assert.deepEqual(fsam.excluded.map((entry) => [entry.runId, entry.status, entry.epochsDone, entry.epochs]), [[runIds.get('fsam/1'), 'interrupted', 2, 3]]);
    // the same as the service says
    for (const arm of midWay.results.arms) {
      const local = summarizeGroup(group(groups, arm.arm));
      assert.deepEqual([local.completed, local.final, local.provisional, local.excluded], [arm.completed, arm.finalTestAccuracy, arm.provisional, arm.excluded], arm.arm);
    }
  });

  test('the saved comparison shows the service’s verdict: no winner, and why', () => {
    const verdict = compareVerdict(groupsForComparison(midWay), midWay.results);
    assert.equal(verdict.winner, null);
    assert.equal(verdict.pending, midWay.results.winnerPending);
    assert.match(verdict.pending!, /^No winner yet: sam seed 1 is running \(1 of 3 epochs done\); sam seed 2 is queued; fsam seed 1 was interrupted after 2 of 3 epochs/);
  });
});

describe('runs picked by hand', () => {
  test('no leader while one is unfinished or ended unfinished; a leader once all completed', () => {
    const byId = (key: string) => midWay.runs.find((run) => run.id === runIds.get(key))!;
    const withRunning = groupsForRuns([byId('sgd/1'), byId('sam/1')]);
    assert.equal(leadingGroup(withRunning), null, 'SGD’s 84 % is no lead over a SAM run still training');
    assert.match(compareVerdict(withRunning, null).pending!, /^No winner yet: sam \(comparison #\d+\) seed 1 is running/);

    const withInterrupted = groupsForRuns([byId('sgd/1'), byId('fsam/1')]);
    assert.equal(leadingGroup(withInterrupted), null, 'nor over an interrupted one');

    const completed = groupsForRuns([byId('sgd/1'), byId('fsam/2')]);
    assert.equal(leadingGroup(completed), `comparison-${midWay.comparison.id}-fsam`);
    assert.deepEqual(compareVerdict(completed, null), { winner: `comparison-${midWay.comparison.id}-fsam`, pending: null });
    assert.deepEqual(compareVerdict(groupsForRuns([byId('sgd/1')]), null), { winner: null, pending: null }, 'one group: nothing to compare');
  });
});

describe('an empty chart says why', () => {
  const chart = (name: string) => CHARTS.find((candidate) => candidate.name === name)!;

  test('SGD takes no perturbed step; SAM and F-SAM runs that have not started have no steps yet', () => {
    const byArm = (arm: string) => midWay.runs.filter((run) => run.arm === arm).map(chartRun);
    const queuedSam = midWay.runs.find((run) => run.id === runIds.get('sam/2'))!;
    assert.equal(queuedSam.step, 0);
    assert.equal(chartEmptyText(chart('perturbedLoss'), [chartRun(queuedSam)]), 'No steps yet', 'a SAM run not started is no SGD run');
    assert.equal(chartEmptyText(chart('perturbedLoss'), byArm('sgd')), 'SGD takes no perturbed step');
    assert.equal(chartEmptyText(chart('perturbationNorm'), byArm('sgd')), 'SGD takes no perturbation');
    assert.equal(chartEmptyText(chart('gradientEmaCosine'), byArm('sam')), 'Only F-SAM keeps a gradient average');
    assert.equal(chartEmptyText(chart('gradientEmaCosine'), [{ optimizer: 'fsam', step: 0 }]), 'No steps yet');
    assert.equal(chartEmptyText(chart('perturbedLoss'), [...byArm('sgd'), { optimizer: 'fsam', step: 0 }]), 'No steps yet', 'SGD beside an F-SAM run not started');
    assert.equal(chartEmptyText(chart('perturbedLoss'), byArm('sam')), 'Loading steps…', 'a SAM run with steps: they are on their way');
    assert.equal(chartEmptyText(chart('loss'), [{ optimizer: 'sgd', step: 0 }]), 'No steps yet');
    assert.equal(chartEmptyText(chart('testAccuracy'), [{ optimizer: 'sam', step: 12 }]), 'No epoch finished yet');
  });
});
