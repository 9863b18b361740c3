import { Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { InjectDatabase } from '../database/database.constants';
import { readBoolean, SqlDialect, sqlDialect } from '../database/dialect';
import type { DatabaseSchema, LogoRow, SettingsRow, SettingsRowUpdate } from '../database/schema';
import { SettingsRepository } from './settings.repository';
import type {
  GlobalSettings,
  Logo,
  LogoPosition,
  SettingsUpdate,
  SubtitlePosition,
} from './settings.types';

/**
 * SettingsRepository on the single `settings` row (id 1, seeded by the first migration) and
 * the `logos` table, through Kysely, on SQLite or PostgreSQL. Inside a transaction, `get`
 * locks the settings row in PostgreSQL (`FOR UPDATE`), so a read-check-write of the settings
 * (the active logo must exist; deleting a logo clears it) runs after any other one, as it does
 * under SQLite's write lock. Logo reads take no lock (a logo delete locks the logo, then the
 * settings row: locking a logo after the settings row would invert that order).
 */
@Injectable()
export class KyselySettingsRepository extends SettingsRepository {
  private readonly dialect: SqlDialect;

  constructor(@InjectDatabase() private readonly db: Kysely<DatabaseSchema>) {
    super();
    this.dialect = sqlDialect(db);
  }

  transaction<T>(work: (repository: SettingsRepository) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => work(new KyselySettingsRepository(trx)));
  }

  async get(): Promise<GlobalSettings> {
    let query = this.db.selectFrom('settings').selectAll().where('id', '=', 1);
    if (this.db.isTransaction && this.dialect.name === 'postgres') query = query.forUpdate();
    return toSettings(await query.executeTakeFirstOrThrow());
  }

  async update(changes: SettingsUpdate): Promise<GlobalSettings> {
    const row = await this.db
      .updateTable('settings')
      .set({ ...toSettingsUpdate(changes, this.dialect), updated_at: new Date().toISOString() })
      .where('id', '=', 1)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toSettings(row);
  }

  async listLogos(): Promise<Logo[]> {
    const rows = await this.db
      .selectFrom('logos')
      .selectAll()
      .orderBy('uploaded_at')
      .orderBy('id')
      .execute();
    return rows.map(toLogo);
  }

  async findLogo(id: string): Promise<Logo | undefined> {
    const row = await this.db
      .selectFrom('logos')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toLogo(row);
  }

  async addLogo(logo: Logo): Promise<void> {
    await this.db
      .insertInto('logos')
      .values({ id: logo.id, name: logo.name, file: logo.file, uploaded_at: logo.uploadedAt })
      .execute();
  }

  async deleteLogo(id: string): Promise<Logo | undefined> {
    const row = await this.db
      .deleteFrom('logos')
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row && toLogo(row);
  }
}

function toSettings(row: SettingsRow): GlobalSettings {
  return {
    defaultVoiceId: row.default_voice_id,
    ttsSpeed: row.tts_speed,
    interSegmentSilence: row.inter_segment_silence,
    subtitleFontFamily: row.subtitle_font_family,
    subtitleFontSize: row.subtitle_font_size,
    subtitleFontColor: row.subtitle_font_color,
    subtitlePosition: row.subtitle_position as SubtitlePosition,
    subtitleFont: row.subtitle_font,
    subtitleColor: row.subtitle_color,
    subtitlesEnabled: readBoolean(row.subtitles_enabled),
    renderWidth: row.render_width,
    renderHeight: row.render_height,
    renderFps: row.render_fps,
    kenBurnsZoom: row.ken_burns_zoom,
    transitionDuration: row.transition_duration,
    zoomIntensity: row.zoom_intensity,
    logoEnabled: readBoolean(row.logo_enabled),
    activeLogo: row.active_logo,
    logoScale: row.logo_scale,
    logoPosition: row.logo_position as LogoPosition,
    logoOpacity: row.logo_opacity,
    logoMargin: row.logo_margin,
    customFontFile: row.custom_font_file,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The columns of each field (the API's names). */
const COLUMN_OF: Record<keyof SettingsUpdate, keyof SettingsRowUpdate> = {
  defaultVoiceId: 'default_voice_id',
  ttsSpeed: 'tts_speed',
  interSegmentSilence: 'inter_segment_silence',
  subtitleFontFamily: 'subtitle_font_family',
  subtitleFontSize: 'subtitle_font_size',
  subtitleFontColor: 'subtitle_font_color',
  subtitlePosition: 'subtitle_position',
  subtitleFont: 'subtitle_font',
  subtitleColor: 'subtitle_color',
  subtitlesEnabled: 'subtitles_enabled',
  renderWidth: 'render_width',
  renderHeight: 'render_height',
  renderFps: 'render_fps',
  kenBurnsZoom: 'ken_burns_zoom',
  transitionDuration: 'transition_duration',
  zoomIntensity: 'zoom_intensity',
  logoEnabled: 'logo_enabled',
  activeLogo: 'active_logo',
  logoScale: 'logo_scale',
  logoPosition: 'logo_position',
  logoOpacity: 'logo_opacity',
  logoMargin: 'logo_margin',
  customFontFile: 'custom_font_file',
};

function toSettingsUpdate(changes: SettingsUpdate, dialect: SqlDialect): SettingsRowUpdate {
  const update: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    update[COLUMN_OF[field as keyof SettingsUpdate]] =
      typeof value === 'boolean' ? dialect.boolean(value) : value;
  }
  return update as SettingsRowUpdate;
}

function toLogo(row: LogoRow): Logo {
  return { id: row.id, name: row.name, file: row.file, uploadedAt: row.uploaded_at };
}
