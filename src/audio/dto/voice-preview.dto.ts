import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ChoiceField, NumberField, StringField } from '../../common/validation/field.decorators';
import { TTS_SPEED_MAX, TTS_SPEED_MIN } from '../../settings/settings.types';
import { STORYFLOW_VOICE_IDS } from '../../settings/storyflow-voices';

/** Longest text a preview speaks. */
export const PREVIEW_MAX_CHARACTERS = 1000;

export class VoicePreviewDto {
  @ApiProperty({ maxLength: PREVIEW_MAX_CHARACTERS, example: 'Hello, this is my voice.' })
  @StringField({ maxLength: PREVIEW_MAX_CHARACTERS })
  text: string;

  @ApiPropertyOptional({ enum: [...STORYFLOW_VOICE_IDS], description: 'default: settings' })
  @ChoiceField([...STORYFLOW_VOICE_IDS], { required: false })
  voice?: string;

  @ApiPropertyOptional({ minimum: TTS_SPEED_MIN, maximum: TTS_SPEED_MAX })
  @NumberField({ required: false, min: TTS_SPEED_MIN, max: TTS_SPEED_MAX })
  speed?: number;
}
