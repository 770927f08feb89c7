/**
 * The studio's colours: the optimizer colours and the palette are shared with the HTML report
 * (app/domain/palette.ts, through the contract); what only a chart needs — translucency — is added here.
 */
export { assignColors, OPTIMIZER_COLORS, optimizerColor, PALETTE } from './contract.js';

/** "#2f7ed8" with alpha 0.25 → "rgba(47, 126, 216, 0.25)". */
export function withAlpha(hex: string, alpha: number): string {
  const value = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(value >> 16) & 255}, ${(value >> 8) & 255}, ${value & 255}, ${alpha})`;
}
