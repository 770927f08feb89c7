/**
 * Colours and statistics come from one place (app/domain/palette.ts, app/domain/statistics.ts): the HTML report
 * and the renderer's Compare screen give a comparison's arms the same colours and the same mean ± sd.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimate } from '../../app/analysis/pairedStatistics.js';
import { assignColors, OPTIMIZER_COLORS, PALETTE } from '../../app/domain/palette.js';
import { mean, meanAndDeviation } from '../../app/domain/statistics.js';
import type { ComparisonDetail, RunInfo } from '../../app/api/types.js';
import { runColors } from '../../app/export/report.js';
import { groupsForComparison, summarizeGroup } from '../../renderer/src/lib/compareGroups.js';

function run(id: number, arm: string, optimizer: string, finalTestAccuracy: number | null): RunInfo {
  return { id, arm, comparisonId: 1, status: 'completed', config: { optimizer: { name: optimizer } }, finalTestAccuracy, bestTestAccuracy: finalTestAccuracy } as unknown as RunInfo;
}

test("each optimizer's first curve takes its colour, every further one the next palette colour", () => {
  const colors = assignColors([
    { key: 'a', optimizer: 'fsam' },
    { key: 'b', optimizer: 'fsam' },
    { key: 'c', optimizer: 'sam' },
    { key: 'd', optimizer: 'adamw' },
  ]);
  assert.deepEqual([...colors.values()], [OPTIMIZER_COLORS.fsam, PALETTE[0], OPTIMIZER_COLORS.sam, PALETTE[1]]);
});

test('the report and the Compare screen colour and summarise a comparison alike', () => {
  const runs = [run(1, 'sam', 'sam', 0.8), run(2, 'fsam', 'fsam', 0.82), run(3, 'fsam λ=0.95', 'fsam', 0.81), run(4, 'sam', 'sam', 0.84), run(5, 'sgd', 'sgd', null)];
  const detail = { comparison: { id: 1, arms: ['sam', 'fsam', 'fsam λ=0.95', 'sgd'] }, runs } as unknown as ComparisonDetail;
  const reportColor = runColors(runs);
  for (const group of groupsForComparison(detail)) {
    for (const member of group.runs) assert.equal(reportColor(member), group.color, `arm ${group.key}`);
    const summary = summarizeGroup(group);
    const values = group.runs.map((member) => member.finalTestAccuracy).filter((value): value is number => value !== null);
    assert.deepEqual(summary.final, estimate(values), `arm ${group.key}: the service's estimate`);
  }
  assert.equal(new Set(groupsForComparison(detail).map((group) => group.color)).size, 4, 'four arms, four colours');
});

test('mean and sd (n − 1) over the finite values only; null without any, no sd for one', () => {
  const summary = meanAndDeviation([2, 4, 4, 4, 5, 5, 7, 9, Number.NaN])!;
  assert.equal(summary.mean, 5);
  assert.equal(summary.count, 8);
  assert.ok(Math.abs(summary.standardDeviation! - Math.sqrt(32 / 7)) < 1e-12);
  assert.deepEqual(meanAndDeviation([0.4, Number.POSITIVE_INFINITY]), { mean: 0.4, standardDeviation: null, count: 1 });
  assert.equal(meanAndDeviation([]), null);
  assert.equal(mean([1, 2, Number.NaN, 6]), 3);
  assert.ok(Number.isNaN(mean([])));
});
