import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { StringField, UuidField } from '../../../common/validation/field.decorators';

export class CreateSegmentDto {
  @ApiProperty({ format: 'uuid', description: 'Id of the project the segment is added to' })
  @UuidField()
  project: string;

  @ApiPropertyOptional({ default: '' })
  @StringField({ required: false, allowBlank: true })
  text_content?: string;

  @ApiPropertyOptional({ default: '' })
  @StringField({ required: false, allowBlank: true })
  image_prompt?: string;
}
