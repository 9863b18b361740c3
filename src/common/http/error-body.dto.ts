import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The API's one error shape, for Swagger. */
export class ErrorBodyDto {
  @ApiProperty({ example: 'Task not found' }) error: string;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'For validation failures: messages keyed by field name',
  })
  details?: Record<string, unknown>;
}
