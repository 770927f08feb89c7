/**
 * Single-key shortcuts. Screens register theirs while shown (space on a run); the help overlay (?) lists
 * whatever is registered. Keys typed into a field, or with ctrl/alt/meta, are left alone.
 */
export interface Shortcut {
  /** KeyboardEvent.key: "n", "?", " ". */
  key: string;
  description: string;
  action: () => void;
}

export const shortcuts = $state<{ list: Shortcut[]; helpOpen: boolean }>({ list: [], helpOpen: false });

export function registerShortcuts(list: Shortcut[]): () => void {
  shortcuts.list = [...shortcuts.list, ...list];
  return () => {
    shortcuts.list = shortcuts.list.filter((shortcut) => !list.includes(shortcut));
  };
}

export function keyLabel(key: string): string {
  return key === ' ' ? 'Space' : key === 'Escape' ? 'Esc' : key;
}

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) return !['checkbox', 'radio', 'button', 'range'].includes(target.type);
  return false;
}

export function handleShortcutKey(event: KeyboardEvent): void {
  if (event.ctrlKey || event.altKey || event.metaKey || event.defaultPrevented) return;
  if (event.key === 'Escape' && shortcuts.helpOpen) {
    shortcuts.helpOpen = false;
    return;
  }
  if (isTyping(event.target)) return;
  // a focused button or checkbox would also react to space: the shortcut wins
  const shortcut = [...shortcuts.list].reverse().find((candidate) => candidate.key === event.key);
  if (shortcut === undefined) return;
  event.preventDefault();
  shortcut.action();
}
