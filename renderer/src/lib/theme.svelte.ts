/**
 * Light or dark. Follows the system (prefers-color-scheme) until the user picks one with the toggle, which
 * is then remembered in localStorage. The choice lands as data-theme on <html>, where the CSS variables are.
 */
import { readSetting, writeSetting } from './storage.js';

export type ThemeName = 'light' | 'dark';
export type ThemePreference = ThemeName | 'system';

const STORAGE_KEY = 'fsam-studio.theme';
const darkQuery = () => window.matchMedia('(prefers-color-scheme: dark)');

function storedPreference(): ThemePreference {
  const stored = readSetting(STORAGE_KEY);
  return stored === 'light' || stored === 'dark' ? stored : 'system';
}

function resolve(preference: ThemePreference): ThemeName {
  if (preference !== 'system') return preference;
  return darkQuery().matches ? 'dark' : 'light';
}

export const theme = $state<{ preference: ThemePreference; resolved: ThemeName }>({ preference: 'system', resolved: 'light' });

function apply(): void {
  theme.resolved = resolve(theme.preference);
  document.documentElement.dataset.theme = theme.resolved;
}

export function setThemePreference(preference: ThemePreference): void {
  theme.preference = preference;
  writeSetting(STORAGE_KEY, preference === 'system' ? null : preference);
  apply();
}

export function toggleTheme(): void {
  setThemePreference(theme.resolved === 'dark' ? 'light' : 'dark');
}

export function trackTheme(): () => void {
  theme.preference = storedPreference();
  apply();
  const query = darkQuery();
  const onChange = () => apply();
  query.addEventListener('change', onChange);
  return () => query.removeEventListener('change', onChange);
}
