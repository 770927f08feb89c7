/** How curves are drawn, shared by the Run and Compare screens and remembered across sessions. */
import type { BandKind } from './aggregate.js';
import type { XAxisMode } from './curves.js';
import { readSetting, writeSetting } from './storage.js';

const KEY = 'fsam-studio.charts';

interface ChartPrefs {
  xMode: XAxisMode;
  /** The EMA weight w, 0 (off) to 0.99. */
  smoothing: number;
  band: BandKind;
}

function load(): ChartPrefs {
  const defaults: ChartPrefs = { xMode: 'step', smoothing: 0.6, band: 'minmax' };
  try {
    const stored = JSON.parse(readSetting(KEY) ?? '{}') as Partial<ChartPrefs>;
    return {
      xMode: stored.xMode === 'epoch' || stored.xMode === 'time' ? stored.xMode : defaults.xMode,
      smoothing: typeof stored.smoothing === 'number' && stored.smoothing >= 0 && stored.smoothing < 1 ? stored.smoothing : defaults.smoothing,
      band: stored.band === 'sd' ? 'sd' : defaults.band,
    };
  } catch {
    return defaults;
  }
}

export const chartPrefs = $state<ChartPrefs>(load());

export function saveChartPrefs(): void {
  writeSetting(KEY, JSON.stringify({ xMode: chartPrefs.xMode, smoothing: chartPrefs.smoothing, band: chartPrefs.band }));
}
