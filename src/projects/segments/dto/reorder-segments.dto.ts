import { ApiProperty } from '@nestjs/swagger';
import { ListField, UuidField } from '../../../common/validation/field.decorators';

export class ReorderSegmentsDto {
  @ApiProperty({ format: 'uuid' })
  @UuidField()
  project_id: string;

  @ApiProperty({
    type: [String],
    description: 'Every segment id of the project, once each, in the new order',
  })
  @ListField({ items: 'string' })
  segment_order: string[];
}
