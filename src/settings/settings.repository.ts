import type { TtsSettings } from './settings.types';

/** Storage port for the global settings (one record). */
export abstract class SettingsRepository {
  abstract get(): Promise<TtsSettings>;

  /** Applies the given fields and returns the whole record. */
  abstract update(changes: Partial<TtsSettings>): Promise<TtsSettings>;
}
