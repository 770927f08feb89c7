/**
 * Line charts as inline SVG strings, rendered in Node for the HTML report: no script, no font file, no
 * external reference, so the report opens anywhere and prints as it looks.
 */

export interface ChartSeries {
  label: string;
  color: string;
  /** [x, y] pairs; non-finite y values are skipped. */
  points: [number, number][];
  /** Drawn thin and translucent (the seeds behind an arm's mean). */
  faint?: boolean;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: ChartSeries[];
  width?: number;
  height?: number;
  /** Format of the y tick labels (default: 3 significant digits). */
  formatY?: (value: number) => string;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** About `count` round tick values covering [low, high] (1, 2, 5 × 10^k steps). */
export function niceTicks(low: number, high: number, count = 5): number[] {
  if (!(high > low)) return [low];
  const rough = (high - low) / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  const ticks: number[] = [];
  for (let t = Math.ceil(low / step) * step; t <= high + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

const defaultFormat = (value: number) => (Math.abs(value) >= 1000 ? value.toExponential(1) : String(Number(value.toPrecision(3))));

export function lineChartSvg(options: ChartOptions): string {
  const width = options.width ?? 480;
  const height = options.height ?? 300;
  const margin = { left: 64, right: 16, top: 32, bottom: 44 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const finite = options.series.flatMap((s) => s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)));
  const title = `<text x="${margin.left}" y="20" class="chart-title">${escapeHtml(options.title)}</text>`;
  if (finite.length === 0) {
    return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(options.title)}">${title}<text x="${width / 2}" y="${height / 2}" text-anchor="middle" class="chart-empty">no data yet</text></svg>`;
  }
  const xs = finite.map(([x]) => x);
  const ys = finite.map(([, y]) => y);
  let [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  let [yMin, yMax] = [Math.min(...ys), Math.max(...ys)];
  if (xMax === xMin) [xMin, xMax] = [xMin - 1, xMax + 1];
  if (yMax === yMin) [yMin, yMax] = [yMin - Math.abs(yMin || 1) * 0.05, yMax + Math.abs(yMax || 1) * 0.05];
  const padY = (yMax - yMin) * 0.04;
  yMin -= padY;
  yMax += padY;
  const px = (x: number) => margin.left + ((x - xMin) / (xMax - xMin)) * plotWidth;
  const py = (y: number) => margin.top + (1 - (y - yMin) / (yMax - yMin)) * plotHeight;
  const format = options.formatY ?? defaultFormat;

  const grid = niceTicks(yMin, yMax)
    .map((t) => `<line x1="${margin.left}" x2="${margin.left + plotWidth}" y1="${py(t).toFixed(1)}" y2="${py(t).toFixed(1)}" class="grid"/><text x="${margin.left - 6}" y="${(py(t) + 4).toFixed(1)}" text-anchor="end" class="tick">${escapeHtml(format(t))}</text>`)
    .join('');
  const xTicks = niceTicks(xMin, xMax)
    .map((t) => `<line x1="${px(t).toFixed(1)}" x2="${px(t).toFixed(1)}" y1="${margin.top + plotHeight}" y2="${margin.top + plotHeight + 4}" class="axis"/><text x="${px(t).toFixed(1)}" y="${margin.top + plotHeight + 17}" text-anchor="middle" class="tick">${escapeHtml(defaultFormat(t))}</text>`)
    .join('');
  const lines = options.series
    .map((s) => {
      const points = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
      if (points.length === 0) return '';
      const path = points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
      const style = s.faint ? `stroke="${s.color}" stroke-opacity="0.35" stroke-width="1"` : `stroke="${s.color}" stroke-width="2"`;
      const marker = points.length === 1 ? `<circle cx="${px(points[0]![0]).toFixed(1)}" cy="${py(points[0]![1]).toFixed(1)}" r="${s.faint ? 2 : 3.5}" fill="${s.color}"${s.faint ? ' fill-opacity="0.35"' : ''}/>` : '';
      return `<polyline fill="none" ${style} points="${path}"><title>${escapeHtml(s.label)}</title></polyline>${marker}`;
    })
    .join('');
  const legendEntries = options.series.filter((s) => !s.faint);
  const legend = legendEntries
    .map((s, i) => `<g transform="translate(${margin.left + 8 + i * 150},${margin.top + 6})"><rect width="12" height="3" y="4" fill="${s.color}"/><text x="16" y="9" class="legend">${escapeHtml(s.label)}</text></g>`)
    .join('');
  const axes = `<line x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${margin.top + plotHeight}" class="axis"/><line x1="${margin.left}" x2="${margin.left + plotWidth}" y1="${margin.top + plotHeight}" y2="${margin.top + plotHeight}" class="axis"/>`;
  const labels = `<text x="${margin.left + plotWidth / 2}" y="${height - 6}" text-anchor="middle" class="axis-label">${escapeHtml(options.xLabel)}</text><text transform="translate(14,${margin.top + plotHeight / 2}) rotate(-90)" text-anchor="middle" class="axis-label">${escapeHtml(options.yLabel)}</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(options.title)}">${title}${grid}${axes}${xTicks}${lines}${legend}${labels}</svg>`;
}
