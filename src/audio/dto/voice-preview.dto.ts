import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { NumberField, StringField, VoiceIdField } from '../../common/validation/field.decorators';
import { TTS_SPEED_MAX, TTS_SPEED_MIN } from '../../settings/settings.types';

/** Longest text a preview speaks. */
export const PREVIEW_MAX_CHARACTERS = 1000;

export class VoicePreviewDto {
  @ApiProperty({ maxLength: PREVIEW_MAX_CHARACTERS, example: 'Hello, this is my voice.' })
  @StringField({ maxLength: PREVIEW_MAX_CHARACTERS })
  text: string;

  @ApiPropertyOptional({
    example: 'af_bella',
    description: 'one of GET /api/settings/voices/; default: settings',
  })
  @VoiceIdField({ required: false })
  voice?: string;

  @ApiPropertyOptional({ minimum: TTS_SPEED_MIN, maximum: TTS_SPEED_MAX })
  @NumberField({ required: false, min: TTS_SPEED_MIN, max: TTS_SPEED_MAX })
  speed?: number;
}
