import { Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { InjectDatabase } from '../database/database.constants';
import type { DatabaseSchema, SettingsRow } from '../database/schema';
import { SettingsRepository } from './settings.repository';
import type { TtsSettings } from './settings.types';

/** SettingsRepository on the single `settings` row (id 1, seeded by the first migration). */
@Injectable()
export class SqliteSettingsRepository extends SettingsRepository {
  constructor(@InjectDatabase() private readonly db: Kysely<DatabaseSchema>) {
    super();
  }

  async get(): Promise<TtsSettings> {
    return toSettings(
      await this.db
        .selectFrom('settings')
        .selectAll()
        .where('id', '=', 1)
        .executeTakeFirstOrThrow(),
    );
  }

  async update(changes: Partial<TtsSettings>): Promise<TtsSettings> {
    const row = await this.db
      .updateTable('settings')
      .set({
        ...(changes.defaultVoiceId !== undefined && { default_voice_id: changes.defaultVoiceId }),
        ...(changes.ttsSpeed !== undefined && { tts_speed: changes.ttsSpeed }),
        updated_at: new Date().toISOString(),
      })
      .where('id', '=', 1)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toSettings(row);
  }
}

function toSettings(row: SettingsRow): TtsSettings {
  return { defaultVoiceId: row.default_voice_id, ttsSpeed: row.tts_speed };
}
