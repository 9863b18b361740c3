import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { MediaLayout } from '../media/media-layout';
import type { LogoDto, SettingsDto } from './dto/settings.dto';
import type { GlobalSettings, Logo } from './settings.types';

/** The one mapping from the settings and logos to their JSON (snake_case, absolute URLs). */
@Injectable()
export class SettingsPresenter {
  constructor(private readonly media: MediaLayout) {}

  toJson(s: GlobalSettings, request: FastifyRequest): SettingsDto {
    return {
      default_voice_id: s.defaultVoiceId,
      tts_speed: s.ttsSpeed,
      inter_segment_silence: s.interSegmentSilence,
      subtitle_font_family: s.subtitleFontFamily,
      subtitle_font_size: s.subtitleFontSize,
      subtitle_font_color: s.subtitleFontColor,
      subtitle_position: s.subtitlePosition,
      subtitle_font: s.subtitleFont,
      subtitle_color: s.subtitleColor,
      subtitles_enabled: s.subtitlesEnabled,
      render_width: s.renderWidth,
      render_height: s.renderHeight,
      render_fps: s.renderFps,
      ken_burns_zoom: s.kenBurnsZoom,
      transition_duration: s.transitionDuration,
      zoom_intensity: s.zoomIntensity,
      logo_enabled: s.logoEnabled,
      active_logo: s.activeLogo,
      logo_scale: s.logoScale,
      logo_position: s.logoPosition,
      logo_opacity: s.logoOpacity,
      logo_margin: s.logoMargin,
      custom_font_file: s.customFontFile === null ? null : this.url(s.customFontFile, request),
      created_at: s.createdAt,
      updated_at: s.updatedAt,
    };
  }

  logoToJson(logo: Logo, request: FastifyRequest): LogoDto {
    return {
      id: logo.id,
      name: logo.name,
      file: this.url(logo.file, request),
      uploaded_at: logo.uploadedAt,
    };
  }

  private url(mediaPath: string, request: FastifyRequest): string {
    return this.media.absoluteUrl(request, this.media.urlPathOf(mediaPath));
  }
}
