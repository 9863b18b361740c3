import { ApiProperty } from '@nestjs/swagger';
import { StringField } from '../../common/validation/field.decorators';

export class CreateProjectDto {
  @ApiProperty({ minLength: 1, maxLength: 200, description: 'Trimmed' })
  @StringField({ maxLength: 200 })
  title: string;
}
