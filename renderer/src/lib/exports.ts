/**
 * Hands an export the service wrote to the user: on the desktop, a native save dialog per file (the
 * preload's saveExport); in a browser, a download of `/files/<id>` from the web shell (same origin, so the
 * access cookie goes with it).
 */
import type { ExportedFile, ExportResult } from './contract.js';

/** The web shell's address of a recorded export. */
export function downloadUrl(file: ExportedFile): string {
  return `/files/${file.fileId}`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** Saves or downloads every file of `result`; returns a line for the user saying what happened. */
export async function deliverExport(result: ExportResult): Promise<string> {
  const desktop = window.studio;
  if (desktop?.saveExport !== undefined) {
    const saved: string[] = [];
    for (const file of result.files) {
      const { savedTo } = await desktop.saveExport(file.fileId);
      if (savedTo !== null) saved.push(savedTo);
    }
    return saved.length === 0 ? 'Not saved (cancelled); the export stays in the store’s files.' : `Saved ${saved.join(', ')}`;
  }
  for (const file of result.files) {
    const link = document.createElement('a');
    link.href = downloadUrl(file);
    link.download = file.name;
    document.body.append(link);
    link.click();
    link.remove();
  }
  return `Downloading ${result.files.map((f) => f.name).join(' and ')}`;
}
