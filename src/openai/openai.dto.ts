import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  MAX_INPUT_CHARS,
  OPENAI_SPEED_MAX,
  OPENAI_SPEED_MIN,
  SPEECH_FORMATS,
} from './speech-request';
import { SPEED_MAX, SPEED_MIN } from '../common/speech/speed';

/** `POST /v1/audio/speech`'s body, for Swagger (checked by `parseSpeechRequest`). */
export class SpeechRequestDto {
  @ApiProperty({
    example: 'tts-1',
    description: 'Accepted and reported back (X-Model); the configured engine speaks.',
  })
  model: string;

  @ApiProperty({ minLength: 1, maxLength: MAX_INPUT_CHARS, example: 'Hello there. How are you?' })
  input: string;

  @ApiProperty({
    example: 'af_bella',
    description:
      'A voice id from GET /v1/audio/voices. With the Kokoro engine, a blend of voices: ' +
      '`af_bella+af_sky` (equal weights) or `af_bella(2)+af_sky(1)`; a blend under another engine is a 400.',
  })
  voice: string;

  @ApiPropertyOptional({
    enum: SPEECH_FORMATS,
    default: 'mp3',
    description:
      "`pcm` is raw 16-bit little-endian mono at the engine's rate (X-Sample-Rate: 22050 for eSpeak, " +
      "24000 for Kokoro, the voice's rate for Piper); `wav` the same behind a streaming header; " +
      '`mp3` 64 kbit/s CBR; `flac` level 5. `opus` and `aac` are a 400.',
  })
  response_format?: string;

  @ApiPropertyOptional({
    minimum: OPENAI_SPEED_MIN,
    maximum: OPENAI_SPEED_MAX,
    default: 1,
    description: `Accepted from ${OPENAI_SPEED_MIN} to ${OPENAI_SPEED_MAX}, spoken clamped to the engines' ${SPEED_MIN}–${SPEED_MAX} (the speed applied is in X-Speed).`,
  })
  speed?: number;
}

export class OpenAiErrorDetailDto {
  @ApiProperty() message: string;
  @ApiProperty({ example: 'invalid_request_error' }) type: string;
  @ApiProperty({ nullable: true, type: String, example: 'voice' }) param: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'invalid_voice' }) code: string | null;
}

export class OpenAiErrorDto {
  @ApiProperty({ type: OpenAiErrorDetailDto }) error: OpenAiErrorDetailDto;
}

export class OpenAiVoiceDto {
  @ApiProperty({ example: 'af_bella' }) id: string;
  @ApiProperty({ example: 'Bella' }) name: string;
  @ApiProperty({ enum: ['female', 'male', 'unknown'] }) gender: string;
  @ApiProperty({ example: 'American' }) accent: string;
}

export class OpenAiVoicesDto {
  @ApiProperty({ type: [OpenAiVoiceDto] }) voices: OpenAiVoiceDto[];
}

export class OpenAiModelDto {
  @ApiProperty({ example: 'kokoro' }) id: string;
  @ApiProperty({ example: 'model' }) object: 'model';
  @ApiProperty({ description: 'Unix seconds' }) created: number;
  @ApiProperty({ example: 'storyflow-voice' }) owned_by: string;
}

export class OpenAiModelListDto {
  @ApiProperty({ example: 'list' }) object: 'list';
  @ApiProperty({ type: [OpenAiModelDto] }) data: OpenAiModelDto[];
}
