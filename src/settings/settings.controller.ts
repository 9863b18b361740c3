import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ErrorBodyDto } from '../common/http/error-body.dto';
import { SettingsDto, VoiceDto } from './dto/settings.dto';
import { UpdateSettingsDto } from './dto/update-settings.dto';
import { SettingsService } from './settings.service';
import type { TtsSettings } from './settings.types';

@ApiTags('settings')
@Controller('settings')
export class SettingsController {
  constructor(private readonly settings: SettingsService) {}

  @Get()
  @ApiOkResponse({ type: SettingsDto })
  async get(): Promise<SettingsDto> {
    return toJson(await this.settings.get());
  }

  @Patch()
  @ApiOperation({ summary: 'Changes the default voice and/or the speech speed' })
  @ApiOkResponse({ type: SettingsDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto })
  async update(@Body() body: UpdateSettingsDto): Promise<SettingsDto> {
    return toJson(
      await this.settings.update({
        defaultVoiceId: body.default_voice_id,
        ttsSpeed: body.tts_speed,
      }),
    );
  }

  @Get('voices')
  @ApiOperation({ summary: 'Voices a client may choose' })
  @ApiOkResponse({ type: [VoiceDto] })
  voices(): VoiceDto[] {
    return this.settings
      .listVoices()
      .map(({ id, name, gender, accent }) => ({ id, name, gender, accent }));
  }
}

function toJson(settings: TtsSettings): SettingsDto {
  return { default_voice_id: settings.defaultVoiceId, tts_speed: settings.ttsSpeed };
}
