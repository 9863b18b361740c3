import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { LOGO_POSITIONS, SUBTITLE_POSITIONS } from '../settings.types';

/** The whole settings object, as GET and PATCH (and the font upload) answer it. */
export class SettingsDto {
  @ApiProperty({ example: 'af_bella' }) default_voice_id: string;
  @ApiProperty({ example: 1.0, minimum: 0.5, maximum: 2.0 }) tts_speed: number;
  @ApiProperty({ example: 0.3 }) inter_segment_silence: number;
  @ApiProperty({ example: 'Arial' }) subtitle_font_family: string;
  @ApiProperty({ example: 48 }) subtitle_font_size: number;
  @ApiProperty({ example: '#FFFFFF' }) subtitle_font_color: string;
  @ApiProperty({ enum: SUBTITLE_POSITIONS }) subtitle_position: string;
  @ApiProperty({ example: '' }) subtitle_font: string;
  @ApiProperty({ example: '#FFFFFF' }) subtitle_color: string;
  @ApiProperty() subtitles_enabled: boolean;
  @ApiProperty({ example: 1920 }) render_width: number;
  @ApiProperty({ example: 1080 }) render_height: number;
  @ApiProperty({ example: 30 }) render_fps: number;
  @ApiProperty({ example: 1.2 }) ken_burns_zoom: number;
  @ApiProperty({ example: 0.5 }) transition_duration: number;
  @ApiProperty({ example: 1.3 }) zoom_intensity: number;
  @ApiProperty() logo_enabled: boolean;
  @ApiProperty({ type: String, nullable: true }) active_logo: string | null;
  @ApiProperty({ example: 0.15 }) logo_scale: number;
  @ApiProperty({ enum: LOGO_POSITIONS }) logo_position: string;
  @ApiProperty({ example: 1.0 }) logo_opacity: number;
  @ApiProperty({ example: 20 }) logo_margin: number;
  @ApiProperty({ type: String, nullable: true, description: 'absolute URL of the font' })
  custom_font_file: string | null;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
}

export class VoiceDto {
  @ApiProperty({ example: 'af_bella' }) id: string;
  @ApiProperty({ example: 'Bella' }) name: string;
  @ApiProperty({ enum: ['female', 'male', 'unknown'] }) gender: string;
  @ApiPropertyOptional({
    example: 'American',
    description: "e.g. American, British (a Piper voice's language otherwise)",
  })
  accent?: string;
}

export class LogoDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'studio-logo' }) name: string;
  @ApiProperty({ description: 'absolute URL of the image' }) file: string;
  @ApiProperty() uploaded_at: string;
}
