/**
 * The sharpness results in a report: for each run its newest completed analysis (SAM sharpness, the top
 * Hessian eigenvalue, the loss at w) in a table, and the runs' loss curves along their random direction in
 * one chart, so a saved report shows which minimum is flatter as the Compare screen does.
 */
import type { AnalysisInfo } from '../domain/index.js';
import type { RunInfo } from '../store/records.js';
import type { ReportSection } from './report.js';
import { escapeHtml, lineChartSvg } from './svgChart.js';

/** The newest completed analysis of each run that has one, in the order of `runs`. */
function newestCompleted(runs: readonly RunInfo[], analyses: readonly AnalysisInfo[]): { run: RunInfo; analysis: AnalysisInfo }[] {
  return runs.flatMap((run) => {
    const analysis = analyses.filter((a) => a.runId === run.id && a.status === 'completed' && a.result !== null).sort((a, b) => b.id - a.id)[0];
    return analysis ? [{ run, analysis }] : [];
  });
}

const number = (value: number) => (Math.abs(value) >= 1000 || (Math.abs(value) < 1e-3 && value !== 0) ? value.toExponential(2) : value.toFixed(4));

/**
 * The section, or undefined when none of `runs` has a completed analysis. `colorOf` gives a run's line colour
 * (its arm's, in a comparison report).
 */
export function analysisSection(runs: readonly RunInfo[], analyses: readonly AnalysisInfo[], colorOf: (run: RunInfo) => string): ReportSection | undefined {
  const analysed = newestCompleted(runs, analyses);
  if (analysed.length === 0) return undefined;
  const rows = analysed
    .map(({ run, analysis }) => {
      const result = analysis.result!;
      const hessian = `${number(result.hessian.topEigenvalue)} <span class="n">(${result.hessian.iterations} iterations${result.hessian.converged ? '' : ', not converged'})</span>`;
      return `<tr><td class="num">${run.id}</td><td>${escapeHtml(run.arm ?? run.config.optimizer.name)}</td><td class="num">${run.config.seed}</td><td class="num">${number(result.loss)}</td><td class="num">${result.sharpness.rho}</td><td class="num">${number(result.sharpness.mean)}</td><td class="num">${hessian}</td><td class="num">${result.examples}</td></tr>`;
    })
    .join('');
  const optionSets = new Set(analysed.map(({ analysis }) => JSON.stringify(analysis.options)));
  const chart = lineChartSvg({
    title: 'Loss along a filter-normalised random direction',
    xLabel: 'α (step along the direction, in units of the weights)',
    yLabel: 'loss',
    series: analysed.map(({ run, analysis }) => ({
      label: `${run.arm ?? run.config.optimizer.name} · seed ${run.config.seed}`,
      color: colorOf(run),
      points: analysis.result!.curve.alphas.map((alpha, i): [number, number] => [alpha, analysis.result!.curve.losses[i]!]),
    })),
  });
  const html = `
<table><thead><tr><th>run</th><th>arm</th><th>seed</th><th>loss at w</th><th>ρ</th><th>SAM sharpness</th><th>top Hessian eigenvalue</th><th>examples</th></tr></thead><tbody>${rows}</tbody></table>
<p class="meta">Lower sharpness and eigenvalue mean a flatter minimum; the flatter minimum's curve rises more slowly away from α = 0.${optionSets.size > 1 ? ' <b>These runs were analysed with different options: compare them with care.</b>' : ''}</p>
<div class="charts">${chart}</div>`;
  return { title: 'Sharpness', html };
}
