import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ValidateIf, ValidateNested } from 'class-validator';
import { ChoiceField, ListField, StringField } from '../../common/validation/field.decorators';
import type { StoryImport } from '../story-import.parser';

export const IMPORT_FORMATS = ['json', 'text'] as const;

export class ImportSegmentDto {
  @ApiProperty({ description: 'Narration; must not be blank' })
  @StringField()
  text_content: string;

  @ApiPropertyOptional({ default: '' })
  @StringField({ required: false, allowBlank: true })
  image_prompt?: string;
}

/** Body of `POST /api/projects/{id}/import-segments/`. */
export class ImportSegmentsDto {
  @ApiProperty({ enum: IMPORT_FORMATS })
  @ChoiceField(IMPORT_FORMATS)
  format: 'json' | 'text';

  @ApiPropertyOptional({ type: [ImportSegmentDto], description: 'With format "json"' })
  @ValidateIf((dto: ImportSegmentsDto) => dto.format === 'json')
  @ListField({ allowEmpty: false, items: 'object' })
  @ValidateNested({ each: true })
  @Type(() => ImportSegmentDto)
  segments?: ImportSegmentDto[];

  @ApiPropertyOptional({
    description: 'With format "text": blocks separated by ---, lines "Text:" and "Prompt:"',
    example: 'Text: Once upon a time.\nPrompt: a castle at dawn\n---\nText: The end.',
  })
  @ValidateIf((dto: ImportSegmentsDto) => dto.format === 'text')
  @StringField()
  raw_text?: string;
}

/** Body of `POST /api/projects/import/`. */
export class ImportProjectDto extends ImportSegmentsDto {
  @ApiProperty({ minLength: 1, maxLength: 200 })
  @StringField({ maxLength: 200 })
  title: string;
}

/** The validated body as the service's StoryImport. */
export function toStoryImport(dto: ImportSegmentsDto): StoryImport {
  if (dto.format === 'text') return { format: 'text', rawText: dto.raw_text ?? '' };
  return {
    format: 'json',
    segments: (dto.segments ?? []).map((segment) => ({
      textContent: segment.text_content,
      imagePrompt: segment.image_prompt,
    })),
  };
}
