/**
 * The HTML report of a comparison or of one run: one self-contained file (inline SVG charts, inline CSS,
 * no script, no font, no link), so it can be mailed, archived or printed as is.
 *
 * More sections (the runs' sharpness analyses, analysisSection.ts) follow the summary: each is a title and
 * an HTML fragment its producer has escaped.
 */
import { assignColors, optimizerColor, PALETTE } from '../domain/palette.js';
import { mean } from '../domain/statistics.js';
import { optimizerTitle, runStanding, type ArmResult, type Estimate } from '../domain/index.js';
import type { ComparisonDetail, RunDetail, RunInfo } from '../store/records.js';
import { escapeHtml, lineChartSvg, type ChartSeries } from './svgChart.js';

/** A run's curves for the charts: [steps done, value]. */
export interface ReportCurves {
  run: RunInfo;
  trainLoss: [number, number][];
  testAccuracy: [number, number][];
}

export interface ReportSection {
  title: string;
  /** Trusted HTML (the producer escapes what it takes from users). */
  html: string;
}

/** Curves are averaged over this many step buckets: a readable line, and a file of a few hundred kB at most. */
const BUCKETS = 200;

/** Each arm's colour, as the studio's screens give it (app/domain/palette.ts). */
function armColors(arms: readonly { arm: string; optimizer: string }[]): Map<string, string> {
  return assignColors(arms.map(({ arm, optimizer }) => ({ key: arm, optimizer })));
}

/** The colour each of `runs` is drawn in: its arm's (its optimizer's outside a comparison), as in the curves. */
export function runColors(runs: readonly RunInfo[]): (run: RunInfo) => string {
  const armOf = (run: RunInfo) => run.arm ?? run.config.optimizer.name;
  const arms = [...new Set(runs.map(armOf))].map((arm) => ({ arm, optimizer: runs.find((run) => armOf(run) === arm)!.config.optimizer.name }));
  const colors = armColors(arms);
  return (run) => colors.get(armOf(run)) ?? PALETTE[0]!;
}

/** Mean value per bucket of `size` steps, keyed by the bucket's last step. */
function bucketMeans(points: readonly [number, number][], size: number): Map<number, number> {
  const sums = new Map<number, { sum: number; count: number }>();
  for (const [step, value] of points) {
    if (!Number.isFinite(value)) continue;
    const key = Math.ceil(step / size) * size;
    const entry = sums.get(key) ?? { sum: 0, count: 0 };
    entry.sum += value;
    entry.count += 1;
    sums.set(key, entry);
  }
  return new Map([...sums].sort((a, b) => a[0] - b[0]).map(([key, { sum, count }]) => [key, sum / count]));
}

/** The mean curve of several runs' bucketed curves, over the buckets any of them has. */
function meanCurve(curves: readonly Map<number, number>[]): [number, number][] {
  const keys = [...new Set(curves.flatMap((c) => [...c.keys()]))].sort((a, b) => a - b);
  return keys.map((key) => {
    const values = curves.map((c) => c.get(key)).filter((v): v is number => v !== undefined);
    return [key, mean(values)];
  });
}

function armSeries(groups: readonly { label: string; color: string; curves: [number, number][][] }[], bucketSize: number): ChartSeries[] {
  return groups.flatMap(({ label, color, curves }) => {
    const bucketed = curves.map((c) => bucketMeans(c, bucketSize));
    const seeds = curves.length > 1 ? bucketed.map((b) => ({ label: `${label} (one seed)`, color, faint: true, points: [...b] })) : [];
    const average = { label: curves.length > 1 ? `${label} (mean of ${curves.length})` : label, color, points: meanCurve(bucketed) };
    return [...seeds, average];
  });
}

const percent = (value: number | null | undefined) => (value === null || value === undefined ? '—' : `${(100 * value).toFixed(2)} %`);
const points = (value: number | null) => (value === null ? '—' : `${value >= 0 ? '+' : '−'}${Math.abs(100 * value).toFixed(2)}`);
const estimate = (e: Estimate | null) => (e === null ? '—' : `${(100 * e.mean).toFixed(2)}${e.standardDeviation === null ? '' : ` ± ${(100 * e.standardDeviation).toFixed(2)}`} % <span class="n">(n = ${e.count})</span>`);

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1000px;padding:0 16px;color:#1d2330;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}.meta{color:#5b6372;margin:0 0 16px}
table{border-collapse:collapse;margin:8px 0}th,td{border-bottom:1px solid #e1e4ea;padding:5px 10px;text-align:left}th{background:#f4f6f9}
td.num{text-align:right;font-variant-numeric:tabular-nums}.n{color:#8a8f98;font-size:12px}.winner{font-weight:600}
.badge{background:#2ca58d;color:#fff;border-radius:4px;padding:1px 6px;font-size:12px;margin-left:6px}
.provisional{background:#fff3cd;color:#7a5b00;border-radius:4px;padding:1px 6px;font-size:12px;margin-left:6px}.excluded{color:#8a8f98;font-size:12px;margin-left:6px}
h3{font-size:15px;margin:18px 0 4px}
.charts{display:flex;flex-wrap:wrap;gap:12px}svg{background:#fff;border:1px solid #e1e4ea;border-radius:6px;max-width:100%;height:auto}
svg .grid{stroke:#eceef2}svg .axis{stroke:#9aa1ad}svg text{font:11px system-ui,sans-serif;fill:#4a5160}svg .chart-title{font-size:13px;font-weight:600;fill:#1d2330}
svg .axis-label{font-size:12px}td.settings{max-width:560px;color:#4a5160}th{white-space:nowrap}footer{color:#8a8f98;margin-top:32px;font-size:12px}
`;

export function page(title: string, body: string, version: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>${body}
<footer>Written by F-SAM Studio ${escapeHtml(version)} on ${escapeHtml(new Date().toISOString().slice(0, 19).replace('T', ' '))} UTC. Charts: curves averaged over ${BUCKETS} step buckets.</footer>
</body></html>
`;
}

function sectionsHtml(sections: readonly ReportSection[]): string {
  return sections.map((s) => `<section><h2>${escapeHtml(s.title)}</h2>${s.html}</section>`).join('');
}

function chartsHtml(groups: { label: string; color: string; runs: ReportCurves[] }[]): string {
  const maxStep = Math.max(1, ...groups.flatMap((g) => g.runs.flatMap((r) => r.trainLoss.map(([s]) => s))));
  const bucketSize = Math.max(1, Math.ceil(maxStep / BUCKETS));
  const loss = lineChartSvg({
    title: 'Train loss (mini-batch, at w)',
    xLabel: 'step',
    yLabel: 'loss',
    series: armSeries(groups.map((g) => ({ label: g.label, color: g.color, curves: g.runs.map((r) => r.trainLoss) })), bucketSize),
  });
  const accuracy = lineChartSvg({
    title: 'Test accuracy (end of each epoch)',
    xLabel: 'step',
    yLabel: 'accuracy',
    formatY: (v) => `${Number((100 * v).toPrecision(3))} %`,
    series: armSeries(groups.map((g) => ({ label: g.label, color: g.color, curves: g.runs.map((r) => r.testAccuracy) })), 1),
  });
  return `<div class="charts">${loss}${accuracy}</div>`;
}

function configLine(run: RunInfo): string {
  const c = run.config;
  return `${escapeHtml(c.model)} on ${escapeHtml(c.data.name)}, ${c.epochs} epochs, batch ${c.batchSize}`;
}

/** "+ 1 provisional, 1 not counted" after an arm's completed count. */
function unfinishedNote(arm: ArmResult): string {
  const notes = [
    ...(arm.provisional.length > 0 ? [`<span class="provisional">+ ${arm.provisional.length} provisional</span>`] : []),
    ...(arm.excluded.length > 0 ? [`<span class="excluded">${arm.excluded.length} not counted</span>`] : []),
  ];
  return notes.join('');
}

/** In the runs table: a value of a run that has not completed is not a final one. */
function standingNote(run: RunInfo): string {
  const standing = runStanding(run.status);
  if (standing === 'completed' || run.finalTestAccuracy === null) return '';
  return standing === 'provisional' ? '<span class="provisional">provisional</span>' : '<span class="excluded">not counted</span>';
}

/** The runs that do not count yet (with their progress) and those that never will, each listed apart. */
function unfinishedHtml(arms: readonly ArmResult[]): string {
  const provisional = arms.flatMap((a) => a.provisional.map((p) => ({ arm: a.arm, ...p })));
  const excluded = arms.flatMap((a) => a.excluded.map((e) => ({ arm: a.arm, ...e })));
  let html = '';
  if (provisional.length > 0) {
    const rows = provisional
      .map((p) => `<tr><td class="num">${p.runId}</td><td>${escapeHtml(p.arm)}</td><td class="num">${p.seed}</td><td>${escapeHtml(p.status)}</td><td class="num">${(100 * p.progress).toFixed(0)} % (epoch ${p.epochsDone} of ${p.epochs})</td><td class="num">${percent(p.latestTestAccuracy)}<span class="provisional">provisional</span></td></tr>`)
      .join('');
    html += `<h3>Not yet counted: still training (provisional)</h3><table class="provisional-runs"><thead><tr><th>run</th><th>arm</th><th>seed</th><th>status</th><th>progress</th><th>latest test accuracy</th></tr></thead><tbody>${rows}</tbody></table>`;
  }
  if (excluded.length > 0) {
    const rows = excluded
      .map((e) => `<tr><td class="num">${e.runId}</td><td>${escapeHtml(e.arm)}</td><td class="num">${e.seed}</td><td>${escapeHtml(e.status)}</td><td class="num">${e.epochsDone} of ${e.epochs}</td><td>${escapeHtml(e.message ?? '—')}</td></tr>`)
      .join('');
    html += `<h3>Not counted: ended without completing</h3><table class="excluded-runs"><thead><tr><th>run</th><th>arm</th><th>seed</th><th>status</th><th>epochs done</th><th>why</th></tr></thead><tbody>${rows}</tbody></table>`;
  }
  return html;
}

export function comparisonReportHtml(detail: ComparisonDetail, curves: readonly ReportCurves[], version: string, sections: readonly ReportSection[] = []): string {
  const { comparison, results, runs } = detail;
  const optimizerOf = (arm: string) => runs.find((r) => r.arm === arm)?.config.optimizer.name ?? arm;
  const colors = armColors(comparison.arms.map((arm) => ({ arm, optimizer: optimizerOf(arm) })));
  const groups = comparison.arms.map((arm) => ({ label: arm, color: colors.get(arm)!, runs: curves.filter((c) => c.run.arm === arm) }));
  const difference = (arm: string, metric: 'finalTestAccuracy' | 'bestTestAccuracy') => {
    if (arm === comparison.baseline) return 'baseline';
    const d = results.differences.find((x) => x.arm === arm && x.metric === metric);
    if (!d) return '—';
    const interval = d.low === null || d.high === null ? '<span class="n">CI needs ≥ 2 seeds</span>' : `[${points(d.low)}, ${points(d.high)}]`;
    return `${points(d.meanDifference)} ${interval} <span class="n">(${d.pairs} pairs)</span>`;
  };
  const rows = results.arms
    .map((a) => {
      const winner = results.winner === a.arm;
      return `<tr${winner ? ' class="winner"' : ''}><td style="white-space:nowrap"><span style="color:${colors.get(a.arm)}">■</span> ${escapeHtml(a.arm)}${winner ? '<span class="badge">winner</span>' : ''}</td><td class="num">${a.completed} / ${a.runIds.length}${unfinishedNote(a)}</td><td class="num">${estimate(a.finalTestAccuracy)}</td><td class="num">${estimate(a.bestTestAccuracy)}</td><td class="num">${difference(a.arm, 'finalTestAccuracy')}</td><td class="num">${difference(a.arm, 'bestTestAccuracy')}</td></tr>`;
    })
    .join('');
  const runRows = runs
    .map((r) => `<tr><td class="num">${r.id}</td><td>${escapeHtml(r.arm ?? '—')}</td><td class="num">${r.config.seed}</td><td>${escapeHtml(r.status)}</td><td class="num">${percent(r.finalTestAccuracy)}${standingNote(r)}</td><td class="num">${percent(r.bestTestAccuracy)}</td><td class="num">${r.finalTrainLoss === null ? '—' : r.finalTrainLoss.toFixed(4)}</td></tr>`)
    .join('');
  const first = runs[0];
  const body = `
<h1>${escapeHtml(comparison.name)}</h1>
<p class="meta">Comparison ${comparison.id}: ${comparison.arms.length} arms × ${comparison.seeds.length} seeds (${comparison.seeds.join(', ')}), varying ${escapeHtml(comparison.varies.join(', ') || '—')}; baseline <b>${escapeHtml(comparison.baseline)}</b>${first ? `; ${configLine(first)}` : ''}.</p>
<h2>Summary</h2>
<table><thead><tr><th>arm</th><th>completed runs</th><th>final test accuracy (mean ± sd)</th><th>best test accuracy (mean ± sd)</th><th>Δ final vs baseline, points [95 % CI]</th><th>Δ best vs baseline, points [95 % CI]</th></tr></thead><tbody>${rows}</tbody></table>
<p class="meta">${results.winner ? `Winner (highest mean final test accuracy): <b>${escapeHtml(results.winner)}</b>. ` : `${escapeHtml(results.winnerPending ?? 'No winner yet.')} `}Only completed runs count: the means and the differences, paired by seed, use them alone; the interval uses Student's t over the seeds. An interval that contains 0 does not show a real difference.</p>
${unfinishedHtml(results.arms)}
<h2>Curves</h2>
${chartsHtml(groups)}
${sectionsHtml(sections)}
<h2>Runs</h2>
<table><thead><tr><th>run</th><th>arm</th><th>seed</th><th>status</th><th>final test acc</th><th>best test acc</th><th>final train loss</th></tr></thead><tbody>${runRows}</tbody></table>`;
  return page(`${comparison.name} — F-SAM Studio report`, body, version);
}

export function runReportHtml(detail: RunDetail, curves: ReportCurves, version: string, sections: readonly ReportSection[] = []): string {
  const { run, epochs } = detail;
  const optimizer = run.config.optimizer.name;
  const color = optimizerColor(optimizer);
  const epochRows = epochs
    .map((e) => `<tr><td class="num">${e.epoch}</td><td class="num">${e.step}</td><td class="num">${e.train.loss.toFixed(4)}</td><td class="num">${percent(e.train.accuracy)}</td><td class="num">${e.test.loss.toFixed(4)}</td><td class="num">${percent(e.test.accuracy)}</td></tr>`)
    .join('');
  const body = `
<h1>${escapeHtml(run.name)}</h1>
<p class="meta">Run ${run.id}: ${escapeHtml(optimizerTitle(run.config.optimizer))}, ${configLine(run)}, seed ${run.config.seed}; status <b>${escapeHtml(run.status)}</b>${run.message ? ` (${escapeHtml(run.message)})` : ''}; ${run.step}${run.totalSteps ? `/${run.totalSteps}` : ''} steps on ${escapeHtml(run.backend ?? '—')}.</p>
<h2>Summary</h2>
<table><tbody><tr><th>final test accuracy</th><td class="num">${percent(run.finalTestAccuracy)}</td></tr><tr><th>best test accuracy</th><td class="num">${percent(run.bestTestAccuracy)}</td></tr><tr><th>final train loss</th><td class="num">${run.finalTrainLoss === null ? '—' : run.finalTrainLoss.toFixed(4)}</td></tr><tr><th>optimizer</th><td class="settings">${escapeHtml(Object.entries(run.config.optimizer).map(([key, value]) => `${key} ${String(value)}`).join(' · '))}</td></tr></tbody></table>
<h2>Curves</h2>
${chartsHtml([{ label: optimizerTitle(run.config.optimizer), color, runs: [curves] }])}
${sectionsHtml(sections)}
<h2>Epochs</h2>
<table><thead><tr><th>epoch</th><th>step</th><th>train loss</th><th>train acc</th><th>test loss</th><th>test acc</th></tr></thead><tbody>${epochRows}</tbody></table>`;
  return page(`${run.name} — F-SAM Studio report`, body, version);
}
