import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class SettingsDto {
  @ApiProperty({ example: 'af_bella' }) default_voice_id: string;
  @ApiProperty({ example: 1.0, minimum: 0.5, maximum: 2.0 }) tts_speed: number;
}

export class VoiceDto {
  @ApiProperty({ example: 'af_bella' }) id: string;
  @ApiProperty({ example: 'Bella' }) name: string;
  @ApiProperty({ enum: ['female', 'male'] }) gender: string;
  @ApiPropertyOptional({ enum: ['American', 'British'] }) accent?: string;
}
