/**
 * The one line-chart setup every metric chart shares: decimation (LTTB over raw numeric points, so chart.js
 * skips parsing), drag-to-zoom on x, no animation, a legend that toggles a whole group (a curve with its raw
 * shadow or band), colours read from the theme's CSS variables.
 */
import { Chart, Decimation, Filler, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import type { ChartDataset, ChartOptions, TooltipItem } from 'chart.js';
import zoomPlugin from 'chartjs-plugin-zoom';
import { withAlpha } from './colors.js';
import type { ChartLine, ChartPoint, LineRole, XAxisMode } from './curves.js';
import { X_AXIS_TITLES, formatValue, formatValueTick, formatXTick, formatXValue } from './metrics.js';
import type { ValueKind } from './metrics.js';

Chart.register(LineController, LineElement, PointElement, LinearScale, Filler, Legend, Tooltip, Decimation, zoomPlugin);

/** A dataset that remembers which line it draws. */
export type LineDataset = ChartDataset<'line', ChartPoint[]> & { lineId: string; group: string; role: LineRole };
export type LineChart = Chart<'line', ChartPoint[]>;

export interface ChartTheme {
  text: string;
  grid: string;
  tooltipBackground: string;
  tooltipText: string;
}

export function readChartTheme(): ChartTheme {
  const style = getComputedStyle(document.documentElement);
  const read = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    text: read('--text-muted', '#666'),
    grid: read('--chart-grid', 'rgba(128,128,128,0.2)'),
    tooltipBackground: read('--tooltip-bg', '#222'),
    tooltipText: read('--tooltip-text', '#fff'),
  };
}

export interface LineChartSettings {
  kind: ValueKind;
  xMode: XAxisMode;
  theme: ChartTheme;
  /** A legend entry was clicked: hide or show every line of `group`. */
  onLegendToggle: (group: string) => void;
  /** The user zoomed or panned. */
  onViewChange: () => void;
}

/**
 * What every chart of the studio shares: drawn at once (no animation), sized by its container, fed {x, y}
 * numbers that need no parsing, and a tooltip for the nearest x. A new object each call: chart.js may write
 * into the options it was given.
 */
export function baseLineOptions() {
  return {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    parsing: false,
    interaction: { mode: 'nearest', axis: 'x', intersect: false },
  } as const satisfies ChartOptions<'line'>;
}

type LegendLabels = NonNullable<NonNullable<NonNullable<ChartOptions<'line'>['plugins']>['legend']>['labels']>;

/** The legend every chart shares: at the top right, short flat swatches; `labels` adds to or overrides them. */
export function topLegend(labels: LegendLabels = {}) {
  return { display: true, position: 'top', align: 'end', labels: { boxWidth: 10, boxHeight: 2, ...labels } } as const;
}

/** A tooltip line: the dataset's label and the point's y, as `format` writes it. */
export function tooltipLabel(format: (value: number) => string) {
  return (item: TooltipItem<'line'>) => `${item.dataset.label ?? ''}: ${format(item.parsed.y ?? Number.NaN)}`;
}

export function createLineChart(canvas: HTMLCanvasElement, settings: LineChartSettings): LineChart {
  const options: ChartOptions<'line'> = {
    ...baseLineOptions(),
    // the data already is {x, y} numbers sorted by x: no parsing (above), and decimation needs exactly that
    normalized: true,
    spanGaps: true,
    elements: { point: { radius: 0, hitRadius: 4, hoverRadius: 3 }, line: { borderWidth: 1.75 } },
    scales: {
      x: { type: 'linear', title: { display: true, text: X_AXIS_TITLES[settings.xMode] }, ticks: { maxTicksLimit: 7, maxRotation: 0 } },
      y: { type: 'linear', ticks: { maxTicksLimit: 6 } },
    },
    plugins: {
      decimation: { enabled: true, algorithm: 'lttb' },
      legend: {
        ...topLegend({ padding: 8, filter: (item, data) => (data.datasets[item.datasetIndex ?? 0] as LineDataset).role === 'main' }),
        onClick: (_event, item, legend) => {
          const dataset = legend.chart.data.datasets[item.datasetIndex ?? 0] as LineDataset | undefined;
          if (dataset !== undefined) settings.onLegendToggle(dataset.group);
        },
      },
      tooltip: {
        filter: (item) => (item.dataset as LineDataset).role === 'main',
        callbacks: {
          title: (items) => (items.length > 0 ? formatXValue(currentXMode(items[0]!.chart as LineChart), items[0]!.parsed.x ?? 0) : ''),
          label: tooltipLabel((value) => formatValue(settings.kind, value)),
        },
      },
      zoom: {
        zoom: {
          drag: { enabled: true, backgroundColor: 'rgba(127, 127, 127, 0.18)', borderColor: 'rgba(127, 127, 127, 0.6)', borderWidth: 1 },
          // plain wheel scrolls the page; ctrl + wheel zooms
          wheel: { enabled: true, modifierKey: 'ctrl' },
          pinch: { enabled: true },
          mode: 'x',
          onZoomComplete: () => settings.onViewChange(),
        },
        pan: { enabled: true, mode: 'x', modifierKey: 'shift', onPanComplete: () => settings.onViewChange() },
      },
    },
  };
  const chart = new Chart<'line', ChartPoint[]>(canvas, { type: 'line', data: { datasets: [] }, options });
  setXMode(chart, settings.xMode);
  setValueKind(chart, settings.kind);
  applyChartTheme(chart, settings.theme);
  return chart;
}

const xModes = new WeakMap<LineChart, XAxisMode>();

function currentXMode(chart: LineChart): XAxisMode {
  return xModes.get(chart) ?? 'step';
}

/** Changes what x means; the old zoom no longer applies, so it is reset. */
export function setXMode(chart: LineChart, mode: XAxisMode): void {
  if (xModes.get(chart) === mode) return;
  const hadMode = xModes.has(chart);
  xModes.set(chart, mode);
  const x = chart.options.scales!.x!;
  if (x.title !== undefined) x.title.text = X_AXIS_TITLES[mode];
  x.ticks!.callback = (value) => formatXTick(mode, Number(value));
  if (hadMode) chart.resetZoom('none');
}

function setValueKind(chart: LineChart, kind: ValueKind): void {
  chart.options.scales!.y!.ticks!.callback = (value, index, ticks) => {
    const neighbour = ticks[index === 0 ? 1 : index - 1];
    const spacing = neighbour === undefined ? 0 : Math.abs(Number(value) - neighbour.value);
    return formatValueTick(kind, Number(value), spacing);
  };
}

type ThemedScale = { ticks: { color?: string }; grid: { color?: string }; title: { color?: string }; border: { color?: string } };

/** Colours a line chart's axes (a hidden axis title too: chart.js keeps one for every scale), legend and tooltip. */
export function applyChartTheme<Data>(chart: Chart<'line', Data>, theme: ChartTheme): void {
  const { x, y } = chart.options.scales as Record<'x' | 'y', ThemedScale>;
  for (const scale of [x, y]) {
    scale.ticks.color = theme.text;
    scale.grid.color = theme.grid;
    scale.title.color = theme.text;
    scale.border.color = theme.grid;
  }
  const plugins = chart.options.plugins!;
  plugins.legend!.labels!.color = theme.text;
  plugins.tooltip!.backgroundColor = theme.tooltipBackground;
  plugins.tooltip!.titleColor = theme.tooltipText;
  plugins.tooltip!.bodyColor = theme.tooltipText;
}

/** How a line of each role looks: the raw curve faint beneath, the band a translucent fill. */
export function styleDataset(dataset: LineDataset, line: ChartLine, hidden: boolean): void {
  dataset.label = line.label;
  dataset.hidden = hidden;
  dataset.borderDash = line.dashed ? [5, 4] : [];
  // markers help a few epoch points read as points; on many they only clutter
  dataset.pointRadius = line.markers && line.role === 'main' && line.data.length <= 40 ? 2.5 : 0;
  dataset.pointBackgroundColor = line.color;
  switch (line.role) {
    case 'main':
      dataset.borderColor = line.color;
      dataset.backgroundColor = line.color;
      dataset.borderWidth = 1.75;
      dataset.fill = false;
      dataset.order = 0;
      break;
    case 'raw':
      dataset.borderColor = withAlpha(line.color, 0.25);
      dataset.backgroundColor = withAlpha(line.color, 0.25);
      dataset.borderWidth = 1;
      dataset.fill = false;
      dataset.order = 1;
      break;
    case 'bandLow':
    case 'bandHigh':
      dataset.borderColor = withAlpha(line.color, 0.35);
      dataset.backgroundColor = withAlpha(line.color, 0.16);
      dataset.borderWidth = 0.5;
      // the high edge fills down to the low edge, which is always the dataset just before it
      dataset.fill = line.role === 'bandHigh' ? '-1' : false;
      dataset.order = 2;
      break;
  }
}

/**
 * A curve that hardly moves (‖e‖ is ρ at every step) would get an axis spanning a millionth of its value,
 * every tick reading the same: give such a curve a range of ±1% around it instead.
 */
function padFlatRange(chart: LineChart, lines: readonly ChartLine[], hiddenGroups: ReadonlySet<string>): void {
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  for (const line of lines) {
    if (hiddenGroups.has(line.group)) continue;
    for (const point of line.data) {
      if (point.y < low) low = point.y;
      if (point.y > high) high = point.y;
    }
  }
  const y = chart.options.scales!.y as { suggestedMin?: number; suggestedMax?: number };
  const center = (low + high) / 2;
  const flat = Number.isFinite(center) && center !== 0 && high - low < Math.abs(center) * 1e-3;
  y.suggestedMin = flat ? center - Math.abs(center) * 0.01 : undefined;
  y.suggestedMax = flat ? center + Math.abs(center) * 0.01 : undefined;
}

/**
 * Puts `lines` into the chart, reusing each line's dataset (found by id) so chart.js keeps its state — the
 * zoom lives in the scale options and is untouched. The caller then calls chart.update('none').
 */
export function syncLines(chart: LineChart, lines: readonly ChartLine[], hiddenGroups: ReadonlySet<string>): void {
  const existing = new Map<string, LineDataset>();
  for (const dataset of chart.data.datasets as LineDataset[]) existing.set(dataset.lineId, dataset);
  chart.data.datasets = lines.map((line) => {
    const dataset = existing.get(line.id) ?? ({ lineId: line.id, group: line.group, role: line.role, data: [] } as LineDataset);
    // assigning (not mutating) matters: under decimation chart.js keeps the full data behind a setter
    dataset.data = line.data;
    styleDataset(dataset, line, hiddenGroups.has(line.group));
    return dataset;
  });
  padFlatRange(chart, lines, hiddenGroups);
}
