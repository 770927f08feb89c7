/** Number and time formatting shared by every table, tooltip and axis. null and non-finite values show as "—". */

export const MISSING = '—';

function missing(value: number | null | undefined): value is null | undefined {
  return value === null || value === undefined || !Number.isFinite(value);
}

/** 0.8734 → "87.3%" (a fraction in, one decimal out). */
export function formatPercent(fraction: number | null | undefined, decimals = 1): string {
  if (missing(fraction)) return MISSING;
  return `${(fraction * 100).toFixed(decimals)}%`;
}

/** Percentage points: a difference of two fractions, signed. 0.012 → "+1.2 pp". */
export function formatPoints(fraction: number | null | undefined, decimals = 1): string {
  if (missing(fraction)) return MISSING;
  const points = fraction * 100;
  const text = Math.abs(points).toFixed(decimals);
  const sign = Number(text) === 0 ? '±' : points > 0 ? '+' : '−';
  return `${sign}${text} pp`;
}

/** Losses, norms and other real numbers: 4 significant digits, exponent only for tiny or huge values. */
export function formatNumber(value: number | null | undefined, digits = 4): string {
  if (missing(value)) return MISSING;
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e6 || magnitude < 1e-4) return value.toExponential(digits - 1).replace('e+', 'e');
  // toPrecision keeps trailing zeros ("1.000"), which line columns up in tables
  return value.toPrecision(digits);
}

export const formatLoss = (value: number | null | undefined): string => formatNumber(value, 4);

/**
 * An axis tick: as many decimals as the distance between ticks needs, so neighbouring ticks never read
 * the same (0.0195, 0.0200, 0.0205 rather than 0.0200 three times), and no more.
 */
export function formatTick(value: number, spacing: number): string {
  if (!Number.isFinite(value)) return '';
  if (value === 0) return '0';
  const step = Math.abs(spacing);
  if (Math.abs(value) >= 1e6 || (step > 0 && step < 1e-5)) {
    const digits = step > 0 ? Math.min(6, Math.max(1, Math.ceil(Math.log10(Math.abs(value) / step)) + 1)) : 3;
    return value.toExponential(digits - 1).replace('e+', 'e');
  }
  const decimals = step > 0 ? Math.min(8, Math.max(0, Math.ceil(-Math.log10(step) - 1e-9))) : 3;
  return trimZeros(value.toFixed(decimals));
}

/** Whole counts with thousands separators: 100000 → "100,000". */
export function formatCount(value: number | null | undefined): string {
  if (missing(value)) return MISSING;
  return Math.round(value).toLocaleString('en-US');
}

/** Compact counts for axis ticks: 1500 → "1.5k", 2000000 → "2M". */
export function formatCompact(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude >= 1e6) return `${trimZeros((value / 1e6).toFixed(1))}M`;
  if (magnitude >= 1e3) return `${trimZeros((value / 1e3).toFixed(1))}k`;
  return trimZeros(value.toFixed(magnitude < 10 && value % 1 !== 0 ? 2 : 0));
}

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** Steps per second and similar rates: 3 significant digits. */
export function formatRate(value: number | null | undefined): string {
  if (missing(value)) return MISSING;
  if (value >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toPrecision(3);
}

/** 950 → "950 ms", 12_300 → "12.3 s", 192_000 → "3m 12s", 3_720_000 → "1h 02m". */
export function formatDuration(ms: number | null | undefined): string {
  if (missing(ms)) return MISSING;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const totalSeconds = Math.round(seconds);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  if (hours > 0) return `${hours}h ${String(minutes).padStart(2, '0')}m`;
  return `${minutes}m ${String(totalSeconds % 60).padStart(2, '0')}s`;
}

/** Wall-time axis ticks, in seconds: 75 → "1:15", 3700 → "1:01:40". */
export function formatClock(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const rest = String(whole % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${rest}` : `${minutes}:${rest}`;
}

/** Local date and time, minutes precision: "2025-03-14 09:26". */
export function formatDateTime(ms: number | null | undefined): string {
  if (missing(ms)) return MISSING;
  const date = new Date(ms);
  const pad = (part: number) => String(part).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A mean with its spread: "87.3% ± 0.4" (the sd in percentage points), or just the mean for one value. */
export function formatPercentWithSpread(mean: number | null | undefined, standardDeviation: number | null | undefined): string {
  if (missing(mean)) return MISSING;
  if (missing(standardDeviation)) return formatPercent(mean);
  return `${formatPercent(mean)} ± ${(standardDeviation * 100).toFixed(1)}`;
}

/** "[−0.3, +2.7] pp" for a confidence interval of a difference of fractions. */
export function formatInterval(low: number | null | undefined, high: number | null | undefined): string {
  if (missing(low) || missing(high)) return MISSING;
  const side = (value: number) => formatPoints(value).replace(' pp', '');
  return `[${side(low)}, ${side(high)}] pp`;
}

/** Bytes for file sizes: 1536 → "1.5 KB". */
export function formatBytes(bytes: number | null | undefined): string {
  if (missing(bytes)) return MISSING;
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** A run's training time: "not started" before its worker began (a queued run), "no step yet" before its first step. */
export function formatTrainingTime(run: { startedAt: number | null; step: number; trainingMs: number }): string {
  if (run.step === 0 && run.trainingMs === 0) return run.startedAt === null ? 'not started' : 'no step yet';
  return formatDuration(run.trainingMs);
}
