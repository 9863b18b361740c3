import type { GlobalSettings, Logo, SettingsUpdate } from './settings.types';

/**
 * Storage port for the global settings (one record) and the uploaded logos they may name.
 * `transaction` runs several calls atomically: the work receives a repository bound to the
 * transaction and must use only that one.
 */
export abstract class SettingsRepository {
  abstract transaction<T>(work: (repository: SettingsRepository) => Promise<T>): Promise<T>;

  abstract get(): Promise<GlobalSettings>;

  /** Applies the given fields and returns the whole record. */
  abstract update(changes: SettingsUpdate): Promise<GlobalSettings>;

  /** Every logo, oldest first. */
  abstract listLogos(): Promise<Logo[]>;

  abstract findLogo(id: string): Promise<Logo | undefined>;

  abstract addLogo(logo: Logo): Promise<void>;

  /** Returns the deleted logo, or undefined if it did not exist. */
  abstract deleteLogo(id: string): Promise<Logo | undefined>;
}
