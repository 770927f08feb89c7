/**
 * Where the studio keeps its files on this OS (app/platform: facts about the host, below every other room).
 * Where the store lives: one default file, shared by the desktop app, the CLI and the web shell: the
 * application-data folder Electron gives the app "fsam-studio" (app.getPath('userData')), computed here
 * with Electron's own rule so that processes without Electron find the same file.
 */
import { homedir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';

export const APP_FOLDER_NAME = 'fsam-studio';
export const DATABASE_FILE_NAME = 'studio.db';

/** Electron's appData: %APPDATA% on Windows, ~/Library/Application Support on macOS, $XDG_CONFIG_HOME or ~/.config elsewhere. */
export function applicationDataFolder(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), APP_FOLDER_NAME);
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', APP_FOLDER_NAME);
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), APP_FOLDER_NAME);
}

/** `--db PATH` wins, then FSAM_DB, then the default file in the application-data folder. */
export function resolveDatabasePath(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return resolve(flag);
  if (env.FSAM_DB) return resolve(env.FSAM_DB);
  return join(applicationDataFolder(process.platform, env), DATABASE_FILE_NAME);
}

/** Checkpoints and exports of a store live next to it: studio.db → studio-files/. */
export function filesFolderFor(databasePath: string): string {
  const name = basename(databasePath, extname(databasePath));
  return join(dirname(databasePath), `${name}-files`);
}
