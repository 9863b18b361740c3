import { ApiPropertyOptional } from '@nestjs/swagger';
import { VOICE_CATALOGUE } from '../../audio/engine/voice-catalogue';
import { ChoiceField, NumberField } from '../../common/validation/field.decorators';
import { TTS_SPEED_MAX, TTS_SPEED_MIN } from '../settings.types';

const VOICE_IDS = VOICE_CATALOGUE.map((voice) => voice.id);

export class UpdateSettingsDto {
  @ApiPropertyOptional({ enum: VOICE_IDS })
  @ChoiceField(VOICE_IDS, { required: false })
  default_voice_id?: string;

  @ApiPropertyOptional({ minimum: TTS_SPEED_MIN, maximum: TTS_SPEED_MAX })
  @NumberField({ required: false, min: TTS_SPEED_MIN, max: TTS_SPEED_MAX })
  tts_speed?: number;
}
