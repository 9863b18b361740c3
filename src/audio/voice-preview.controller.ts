import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  ApiBadRequestResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { ErrorBodyDto } from '../common/http/error-body.dto';
import { VoicePreviewDto } from './dto/voice-preview.dto';
import { VoicePreviewService } from './voice-preview.service';

@ApiTags('settings')
@Controller('settings')
export class VoicePreviewController {
  constructor(private readonly previews: VoicePreviewService) {}

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
