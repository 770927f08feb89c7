/**
 * The studio's colours, the same on every screen and in the HTML report (app/export/report.ts), from app/domain: one colour
 * per optimizer (sgd grey, sam blue, fsam orange); further arms of the same optimizer, and runs that are
 * not in a comparison, take the next free colour of a palette. Pure and dependency-free: the renderer
 * bundles it through renderer/src/lib/contract.ts.
 */

export const OPTIMIZER_COLORS: Readonly<Record<string, string>> = {
  sgd: '#8a8f98',
  sam: '#2f7ed8',
  fsam: '#f28e2b',
};

/** Tableau-like colours that stay apart from the three above and from each other, in both themes. */
export const PALETTE: readonly string[] = ['#2ca58d', '#9467bd', '#d62728', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#1f4e79', '#b07aa1', '#59a14f'];

export function optimizerColor(optimizer: string): string {
  return OPTIMIZER_COLORS[optimizer] ?? PALETTE[0]!;
}

/**
 * Colours for a list of curves in order: the first curve of each optimizer gets that optimizer's colour,
 * every other curve the next palette colour. Stable: the same list gives the same colours.
 */
export function assignColors(curves: readonly { key: string; optimizer: string }[]): Map<string, string> {
  const colors = new Map<string, string>();
  const claimed = new Set<string>();
  let nextPalette = 0;
  for (const curve of curves) {
    const own = OPTIMIZER_COLORS[curve.optimizer];
    if (own !== undefined && !claimed.has(curve.optimizer)) {
      claimed.add(curve.optimizer);
      colors.set(curve.key, own);
    } else {
      colors.set(curve.key, PALETTE[nextPalette % PALETTE.length]!);
      nextPalette += 1;
    }
  }
  return colors;
}
