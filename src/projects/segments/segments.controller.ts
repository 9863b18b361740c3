import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { lastQueryValue } from '../../common/http/absolute-uri';
import { ErrorBodyDto } from '../../common/http/error-body.dto';
import { Paginated, paginatedResponse } from '../../common/http/paginated-response';
import { receiveFile } from '../../media/uploads/uploaded-file';
import { CreateSegmentDto } from './dto/create-segment.dto';
import { ReorderSegmentsDto } from './dto/reorder-segments.dto';
import {
  ImageResultDto,
  RemoveAudioResultDto,
  ReorderResultDto,
  SegmentDto,
  SegmentPageDto,
} from './dto/segment.dto';
import { UpdateSegmentDto } from './dto/update-segment.dto';
import { SEGMENT_IMAGE_MAX_BYTES, SegmentImagesService } from './segment-images.service';
import { SegmentPresenter } from './segment.presenter';
import { SegmentsService } from './segments.service';

@ApiTags('segments')
@Controller('segments')
export class SegmentsController {
  constructor(
    private readonly segments: SegmentsService,
    private readonly images: SegmentImagesService,
    private readonly presenter: SegmentPresenter,
  ) {}

  @Get()
  @ApiOperation({ summary: "A project's segments by position, 50 a page" })
  @ApiQuery({ name: 'project', required: false, description: 'Without it the list is empty' })
  @ApiQuery({ name: 'page', required: false })
  @ApiOkResponse({ type: SegmentPageDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: '`{"error":"Invalid page."}`' })
  async list(
    @Req() request: FastifyRequest,
    @Query('project') project?: string | string[],
    @Query('page') page?: string | string[],
  ): Promise<Paginated<SegmentDto>> {
    const result = await this.segments.list(lastQueryValue(project), lastQueryValue(page));
    return paginatedResponse(request, result, this.presenter.toJsonList(result.items, request));
  }

  @Post()
  @ApiOperation({ summary: 'Adds a segment at the end of a project' })
  @ApiCreatedResponse({ type: SegmentDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: '`{"error":"Project not found"}`' })
  async create(
    @Body() body: CreateSegmentDto,
    @Req() request: FastifyRequest,
  ): Promise<SegmentDto> {
    const segment = await this.segments.create(body.project, {
      textContent: body.text_content ?? '',
      imagePrompt: body.image_prompt ?? '',
    });
    return this.presenter.toJson(segment, request);
  }

  @Post('reorder')
  @HttpCode(200)
  @ApiOperation({ summary: "Sets the order of all of a project's segments" })
  @ApiOkResponse({ type: ReorderResultDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: '`{"error":"Project not found"}`' })
  async reorder(@Body() body: ReorderSegmentsDto): Promise<ReorderResultDto> {
    const positions = await this.segments.reorder(body.project_id, body.segment_order);
    return {
      message: 'Segments reordered successfully',
      segments: positions.map((p) => ({ id: p.id, sequence_index: p.sequenceIndex })),
    };
  }

  @Get(':id')
  @ApiOkResponse({ type: SegmentDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: '`{"error":"Segment not found"}`' })
  async findOne(@Param('id') id: string, @Req() request: FastifyRequest): Promise<SegmentDto> {
    return this.presenter.toJson(await this.segments.findOne(id), request);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Edits text, prompt or lock; a locked segment only unlocks' })
  @ApiOkResponse({ type: SegmentDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  async update(
    @Param('id') id: string,
    @Body() body: UpdateSegmentDto,
    @Req() request: FastifyRequest,
  ): Promise<SegmentDto> {
    const segment = await this.segments.update(id, {
      textContent: body.text_content,
      imagePrompt: body.image_prompt,
      isLocked: body.is_locked,
    });
    return this.presenter.toJson(segment, request);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Deletes a segment and its audio file' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  async delete(@Param('id') id: string): Promise<void> {
    await this.segments.delete(id);
  }

  @Delete(':id/remove-audio')
  @ApiOperation({ summary: "Deletes a segment's audio" })
  @ApiOkResponse({ type: RemoveAudioResultDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto, description: 'Locked, or no audio' })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  async removeAudio(@Param('id') id: string): Promise<RemoveAudioResultDto> {
    const segment = await this.segments.removeAudio(id);
    return {
      id: segment.id,
      audio_file: null,
      audio_duration: null,
      message: 'Audio removed successfully',
    };
  }

  @Post(':id/upload-image')
  @HttpCode(200)
  @ApiOperation({ summary: "Sets a segment's image (JPEG, PNG or WebP, at most 20 MB)" })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['image'],
      properties: { image: { type: 'string', format: 'binary' } },
    },
  })
  @ApiOkResponse({ type: ImageResultDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto, description: 'Locked, no file, bad type or size' })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  async uploadImage(
    @Param('id') id: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ImageResultDto> {
    // The segment is checked before the body is read: a locked or unknown one costs nothing.
    await this.images.checkWritable(id);
    const file = await receiveFile(request, reply, 'image', SEGMENT_IMAGE_MAX_BYTES);
    const segment = await this.images.upload(id, file);
    return {
      id: segment.id,
      image_file: this.presenter.toJson(segment, request).image_file,
      message: 'Image uploaded successfully',
    };
  }

  @Delete(':id/remove-image')
  @ApiOperation({ summary: "Deletes a segment's image" })
  @ApiOkResponse({ type: ImageResultDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto, description: 'Locked, or no image' })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  async removeImage(@Param('id') id: string): Promise<ImageResultDto> {
    const segment = await this.images.remove(id);
    return { id: segment.id, image_file: null, message: 'Image removed successfully' };
  }
}
