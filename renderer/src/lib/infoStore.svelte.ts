/** The service's description of itself (backend, presets, defaults, paths), loaded once and on reconnect. */
import { getApi, onReconnect } from './api.js';
import { messageOf } from './errors.js';
import type { RunsPlacementInfo, StudioInfo } from './contract.js';

class InfoStore {
  info = $state.raw<StudioInfo | null>(null);
  error = $state<string | null>(null);

  start(): () => void {
    void this.load();
    return onReconnect(() => void this.load());
  }

  /** What setQueue answered: where runs go now, without asking for the whole description again. */
  setPlacement(placement: RunsPlacementInfo): void {
    if (this.info !== null) this.info = { ...this.info, ...placement };
  }

  async load(): Promise<void> {
    try {
      this.info = await getApi().info();
      this.error = null;
    } catch (error) {
      this.error = messageOf(error);
    }
  }
}

export const infoStore = new InfoStore();
