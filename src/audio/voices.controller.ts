import { Body, Controller, Get, HttpCode, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  ApiBadRequestResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { ErrorBodyDto } from '../common/http/error-body.dto';
import { VoiceDto } from '../settings/dto/settings.dto';
import { VoicePreviewDto } from './dto/voice-preview.dto';
import { EngineVoices } from './engine/engine-voices';
import { VoicePreviewService } from './voice-preview.service';

/**
 * The settings page's voice routes, served by the speech module because they are about the
 * running engine: its voices, and a preview of one.
 */
@ApiTags('settings')
@Controller('settings')
export class VoicesController {
  constructor(
    private readonly previews: VoicePreviewService,
    private readonly engineVoices: EngineVoices,
  ) {}

  @Get('voices')
  @ApiOperation({ summary: "The running speech engine's voices" })
  @ApiOkResponse({ type: [VoiceDto] })
  voices(): VoiceDto[] {
    return this.engineVoices
      .list()
      .map(({ id, name, gender, accent }) => ({ id, name, gender, accent }));
  }

  @Post('tts-test')
  @HttpCode(200)
  @ApiOperation({ summary: 'Speaks a short text with the given (or current) voice and speed' })
  @ApiOkResponse({ description: 'the clip', content: { 'audio/wav': {} } })
  @ApiBadRequestResponse({ type: ErrorBodyDto })
  @ApiServiceUnavailableResponse({ type: ErrorBodyDto })
  async preview(
    @Body() body: VoicePreviewDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer> {
    const wav = await this.previews.preview({
      text: body.text,
      voiceId: body.voice,
      speed: body.speed,
    });
    reply
      .header('content-type', 'audio/wav')
      .header('content-disposition', 'inline; filename="tts_test.wav"');
    return wav;
  }
}
