import { ApiPropertyOptional } from '@nestjs/swagger';
import { BooleanField, StringField } from '../../../common/validation/field.decorators';

/** PATCH body: any of these; other fields (id, project, audio...) are read-only and ignored. */
export class UpdateSegmentDto {
  @ApiPropertyOptional()
  @StringField({ required: false, allowBlank: true })
  text_content?: string;

  @ApiPropertyOptional()
  @StringField({ required: false, allowBlank: true })
  image_prompt?: string;

  @ApiPropertyOptional()
  @BooleanField({ required: false })
  is_locked?: boolean;
}
