import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorBodyDto } from '../common/http/error-body.dto';
import { receiveFile } from '../media/uploads/uploaded-file';
import { LogoDto, SettingsDto } from './dto/settings.dto';
import { UpdateSettingsDto } from './dto/update-settings.dto';
import { LOGO_MAX_BYTES, LogosService } from './logos.service';
import { SettingsPresenter } from './settings.presenter';
import { SettingsService } from './settings.service';

/** Largest font file accepted. */
export const FONT_MAX_BYTES = 10 * 1024 * 1024;

const multipartFile = (field: string) => ({
  schema: {
    type: 'object',
    required: [field],
    properties: { [field]: { type: 'string', format: 'binary' } },
  },
});

@ApiTags('settings')
@Controller('settings')
export class SettingsController {
  constructor(
    private readonly settings: SettingsService,
    private readonly logos: LogosService,
    private readonly presenter: SettingsPresenter,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The whole settings object' })
  @ApiOkResponse({ type: SettingsDto })
  async get(@Req() request: FastifyRequest): Promise<SettingsDto> {
    return this.presenter.toJson(await this.settings.get(), request);
  }

  @Patch()
  @ApiOperation({ summary: 'Changes any subset of the settings; answers the whole object' })
  @ApiOkResponse({ type: SettingsDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto })
  async update(
    @Body() body: UpdateSettingsDto,
    @Req() request: FastifyRequest,
  ): Promise<SettingsDto> {
    const updated = await this.settings.update({
      defaultVoiceId: body.default_voice_id,
      ttsSpeed: body.tts_speed,
      interSegmentSilence: body.inter_segment_silence,
      subtitleFontFamily: body.subtitle_font_family,
      subtitleFontSize: body.subtitle_font_size,
      subtitleFontColor: body.subtitle_font_color,
      subtitlePosition: body.subtitle_position,
      subtitleFont: body.subtitle_font,
      subtitleColor: body.subtitle_color,
      subtitlesEnabled: body.subtitles_enabled,
      renderWidth: body.render_width,
      renderHeight: body.render_height,
      renderFps: body.render_fps,
      kenBurnsZoom: body.ken_burns_zoom,
      transitionDuration: body.transition_duration,
      zoomIntensity: body.zoom_intensity,
      logoEnabled: body.logo_enabled,
      activeLogo: body.active_logo,
      logoScale: body.logo_scale,
      logoPosition: body.logo_position,
      logoOpacity: body.logo_opacity,
      logoMargin: body.logo_margin,
    });
    return this.presenter.toJson(updated, request);
  }

  @Post('font/upload')
  @HttpCode(200)
  @ApiOperation({ summary: 'Uploads the subtitle font (.ttf or .otf, at most 10 MB)' })
  @ApiConsumes('multipart/form-data')
  @ApiBody(multipartFile('font'))
  @ApiOkResponse({ type: SettingsDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto })
  async uploadFont(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SettingsDto> {
    const file = await receiveFile(request, reply, 'font', FONT_MAX_BYTES);
    return this.presenter.toJson(await this.settings.uploadFont(file), request);
  }

  @Get('logos')
  @ApiOperation({ summary: 'Uploaded logos, oldest first' })
  @ApiOkResponse({ type: [LogoDto] })
  async listLogos(@Req() request: FastifyRequest): Promise<LogoDto[]> {
    return (await this.logos.list()).map((logo) => this.presenter.logoToJson(logo, request));
  }

  @Post('logos')
  @ApiOperation({ summary: 'Uploads a logo (PNG, WebP or JPEG, at most 5 MB)' })
  @ApiConsumes('multipart/form-data')
  @ApiBody(multipartFile('file'))
  @ApiCreatedResponse({ type: LogoDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto })
  async uploadLogo(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LogoDto> {
    const file = await receiveFile(request, reply, 'file', LOGO_MAX_BYTES);
    return this.presenter.logoToJson(await this.logos.upload(file), request);
  }

  @Delete('logos/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Deletes a logo; if it was the active one, logos are switched off' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: '`{"error":"Logo not found"}`' })
  async deleteLogo(@Param('id') id: string): Promise<void> {
    await this.logos.delete(id);
  }
}
