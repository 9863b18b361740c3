import { ApiPropertyOptional } from '@nestjs/swagger';
import {
  BooleanField,
  ChoiceField,
  VoiceIdField,
  HexColorField,
  IntegerField,
  NumberField,
  StringField,
  UuidField,
} from '../../common/validation/field.decorators';
import {
  LOGO_POSITIONS,
  RENDER_FPS_CHOICES,
  SUBTITLE_POSITIONS,
  TTS_SPEED_MAX,
  TTS_SPEED_MIN,
} from '../settings.types';

const optional = { required: false };

/**
 * A PATCH of the settings: any subset of the fields, each checked on its own here; the rules
 * that span fields or need the database (the width×height pair, an existing logo) are the
 * service's. Read-only fields (`custom_font_file`, timestamps) are ignored, as DRF does.
 */
export class UpdateSettingsDto {
  @ApiPropertyOptional({
    example: 'af_bella',
    description: 'a voice id offered by GET /api/settings/voices/ (checked by SettingsService)',
  })
  @VoiceIdField(optional)
  default_voice_id?: string;

  @ApiPropertyOptional({ minimum: TTS_SPEED_MIN, maximum: TTS_SPEED_MAX })
  @NumberField({ ...optional, min: TTS_SPEED_MIN, max: TTS_SPEED_MAX })
  tts_speed?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 5, description: 'seconds' })
  @NumberField({ ...optional, min: 0, max: 5 })
  inter_segment_silence?: number;

  @ApiPropertyOptional({ minLength: 1, maxLength: 200 })
  @StringField({ ...optional, maxLength: 200 })
  subtitle_font_family?: string;

  @ApiPropertyOptional({ minimum: 12, maximum: 120, type: 'integer' })
  @IntegerField({ ...optional, min: 12, max: 120 })
  subtitle_font_size?: number;

  @ApiPropertyOptional({ pattern: '^#[0-9A-Fa-f]{6}$' })
  @HexColorField(optional)
  subtitle_font_color?: string;

  @ApiPropertyOptional({ enum: SUBTITLE_POSITIONS })
  @ChoiceField(SUBTITLE_POSITIONS, optional)
  subtitle_position?: (typeof SUBTITLE_POSITIONS)[number];

  @ApiPropertyOptional({ maxLength: 255, description: 'legacy' })
  @StringField({ ...optional, allowBlank: true, maxLength: 255 })
  subtitle_font?: string;

  @ApiPropertyOptional({ pattern: '^#[0-9A-Fa-f]{6}$', description: 'legacy' })
  @HexColorField(optional)
  subtitle_color?: string;

  @ApiPropertyOptional()
  @BooleanField(optional)
  subtitles_enabled?: boolean;

  @ApiPropertyOptional({ type: 'integer', description: 'with render_height, a listed pair' })
  @IntegerField(optional)
  render_width?: number;

  @ApiPropertyOptional({ type: 'integer', description: 'with render_width, a listed pair' })
  @IntegerField(optional)
  render_height?: number;

  @ApiPropertyOptional({ enum: RENDER_FPS_CHOICES })
  @IntegerField({ ...optional, choices: RENDER_FPS_CHOICES })
  render_fps?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 2 })
  @NumberField({ ...optional, min: 1, max: 2 })
  ken_burns_zoom?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 2 })
  @NumberField({ ...optional, min: 0, max: 2 })
  transition_duration?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 2, description: 'legacy' })
  @NumberField({ ...optional, min: 1, max: 2 })
  zoom_intensity?: number;

  @ApiPropertyOptional()
  @BooleanField(optional)
  logo_enabled?: boolean;

  @ApiPropertyOptional({ nullable: true, description: 'id of an uploaded logo' })
  @UuidField({ ...optional, allowNull: true })
  active_logo?: string | null;

  @ApiPropertyOptional({ minimum: 0.05, maximum: 0.5 })
  @NumberField({ ...optional, min: 0.05, max: 0.5 })
  logo_scale?: number;

  @ApiPropertyOptional({ enum: LOGO_POSITIONS })
  @ChoiceField(LOGO_POSITIONS, optional)
  logo_position?: (typeof LOGO_POSITIONS)[number];

  @ApiPropertyOptional({ minimum: 0, maximum: 1 })
  @NumberField({ ...optional, min: 0, max: 1 })
  logo_opacity?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 200, type: 'integer' })
  @IntegerField({ ...optional, min: 0, max: 200 })
  logo_margin?: number;
}
