/**
 * A study's results as files: a CSV with one row per arm and value (means, 95 % intervals, the paired
 * difference against the baseline), the whole StudyDetail as JSON, and an HTML report with accuracy against
 * the swept setting (one line per arm, its interval as two faint lines) and the table of every cell.
 */
import { assignColors } from '../domain/palette.js';
import { STUDY_PARAMETER_LABELS, type SeedEstimate, type StudyCellResult, type StudyDetail, type StudyDifference } from '../domain/index.js';
import { page } from './report.js';
import { escapeHtml, lineChartSvg, type ChartSeries } from './svgChart.js';

export const STUDY_JSON_FORMAT = 'fsam-studio-study/1';

function cellValue(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '' : String(value);
}

const ESTIMATE_FIELDS = ['finalTestAccuracy', 'bestTestAccuracy', 'noisyTrainAccuracy', 'cleanTrainAccuracy'] as const;

function differenceOf(detail: StudyDetail, cell: StudyCellResult, metric: StudyDifference['metric']): StudyDifference | undefined {
  return detail.results.differences.find((d) => d.arm === cell.arm && d.value === cell.value && d.metric === metric);
}

export function studyCsv(detail: StudyDetail): string {
  const header = [
    'arm',
    'parameter',
    'value',
    'seedsCompleted',
    ...ESTIMATE_FIELDS.flatMap((field) => [`${field}Mean`, `${field}Low`, `${field}High`]),
    'finalDifferenceVsBaseline',
    'finalDifferenceLow',
    'finalDifferenceHigh',
  ];
  const rows = detail.results.cells.map((cell) => {
    const estimates = ESTIMATE_FIELDS.flatMap((field) => {
      const e: SeedEstimate | null = cell[field];
      return [cellValue(e?.mean), cellValue(e?.low), cellValue(e?.high)];
    });
    const difference = differenceOf(detail, cell, 'finalTestAccuracy');
    return [JSON.stringify(cell.arm), detail.study.axis?.parameter ?? '', cellValue(cell.value), String(cell.completed), ...estimates, cellValue(difference?.mean), cellValue(difference?.low), cellValue(difference?.high)].join(',');
  });
  return `${header.join(',')}\n${rows.join('\n')}\n`;
}

export function studyJson(detail: StudyDetail, version: string): string {
  return JSON.stringify({ format: STUDY_JSON_FORMAT, generatedBy: `F-SAM Studio ${version}`, exportedAt: new Date().toISOString(), ...detail }, null, 1);
}

const percent = (e: SeedEstimate | null | undefined) =>
  e === null || e === undefined ? '—' : `${(100 * e.mean).toFixed(2)} %${e.low === null || e.high === null ? '' : ` [${(100 * e.low).toFixed(2)}, ${(100 * e.high).toFixed(2)}]`} <span class="n">(n = ${e.count})</span>`;
const points = (d: StudyDifference | undefined) =>
  d === undefined ? '—' : `${d.mean >= 0 ? '+' : '−'}${Math.abs(100 * d.mean).toFixed(2)} pp${d.low === null || d.high === null ? '' : ` [${(100 * d.low).toFixed(2)}, ${(100 * d.high).toFixed(2)}]`}`;

export function studyReportHtml(detail: StudyDetail, optimizerOf: (arm: string) => string, version: string): string {
  const { study, results } = detail;
  const colors = assignColors(study.arms.map((arm) => ({ key: arm, optimizer: optimizerOf(arm) })));
  const axisLabel = study.axis ? STUDY_PARAMETER_LABELS[study.axis.parameter] : 'arm';
  const chartOf = (title: string, field: (typeof ESTIMATE_FIELDS)[number]): string => {
    const series: ChartSeries[] = study.arms.flatMap((arm, index) => {
      const cells = results.cells.filter((cell) => cell.arm === arm && cell[field] !== null);
      const x = (cell: StudyCellResult) => cell.value ?? index;
      const color = colors.get(arm)!;
      return [
        { label: arm, color, points: cells.map((cell) => [x(cell), cell[field]!.mean] as [number, number]) },
        { label: `${arm} 95 % low`, color, faint: true, points: cells.filter((c) => c[field]!.low !== null).map((cell) => [x(cell), cell[field]!.low!] as [number, number]) },
        { label: `${arm} 95 % high`, color, faint: true, points: cells.filter((c) => c[field]!.high !== null).map((cell) => [x(cell), cell[field]!.high!] as [number, number]) },
      ];
    });
    return lineChartSvg({ title, xLabel: axisLabel, yLabel: 'accuracy', series, formatY: (v) => `${(100 * v).toFixed(1)}%` });
  };
  const labelNoise = study.axis?.parameter === 'labelNoise';
  const charts = [
    chartOf('Final test accuracy (mean over seeds, 95 % interval)', 'finalTestAccuracy'),
    chartOf('Best test accuracy', 'bestTestAccuracy'),
    ...(labelNoise ? [chartOf('Train accuracy on the noisy labels', 'noisyTrainAccuracy'), chartOf('Train accuracy on the clean labels', 'cleanTrainAccuracy')] : []),
  ];
  const rows = results.cells
    .map(
      (cell) =>
        `<tr><td>${escapeHtml(cell.arm)}</td><td class="num">${cell.value ?? '—'}</td><td class="num">${cell.completed}/${study.seeds.length}</td><td class="num">${percent(cell.finalTestAccuracy)}</td><td class="num">${percent(cell.bestTestAccuracy)}</td>${labelNoise ? `<td class="num">${percent(cell.noisyTrainAccuracy)}</td><td class="num">${percent(cell.cleanTrainAccuracy)}</td>` : ''}<td class="num">${cell.arm === study.baseline ? 'baseline' : points(differenceOf(detail, cell, 'finalTestAccuracy'))}</td></tr>`,
    )
    .join('');
  const body = `
<h1>${escapeHtml(study.name)}</h1>
<p class="meta">Study ${study.id}${study.preset ? ` (preset ${escapeHtml(study.preset)})` : ''}: arms ${study.arms.map(escapeHtml).join(', ')}${study.axis ? `; ${escapeHtml(axisLabel)} ∈ {${study.axis.values.join(', ')}}` : ''}; seeds ${study.seeds.join(', ')}; ${study.progress.completed} of ${study.progress.total} runs completed.</p>
${results.notes.map((note) => `<p class="meta">${escapeHtml(note)}</p>`).join('')}
<div class="charts">${charts.join('')}</div>
<h2>Every cell</h2>
<table><thead><tr><th>arm</th><th>${escapeHtml(axisLabel)}</th><th>seeds</th><th>final test acc [95 %]</th><th>best test acc [95 %]</th>${labelNoise ? '<th>train acc, noisy labels</th><th>train acc, clean labels</th>' : ''}<th>Δ final vs ${escapeHtml(study.baseline)} [95 %]</th></tr></thead><tbody>${rows}</tbody></table>`;
  return page(`${study.name} — F-SAM Studio study`, body, version);
}
