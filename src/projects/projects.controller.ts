import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { lastQueryValue } from '../common/http/absolute-uri';
import { ErrorBodyDto } from '../common/http/error-body.dto';
import { Paginated, paginatedResponse } from '../common/http/paginated-response';
import { SegmentDto } from './segments/dto/segment.dto';
import { SegmentPresenter } from './segments/segment.presenter';
import { CreateProjectDto } from './dto/create-project.dto';
import { ImportProjectDto, ImportSegmentsDto, toStoryImport } from './dto/import-story.dto';
import { ProjectDetailDto, ProjectDto, ProjectPageDto } from './dto/project.dto';
import { ProjectPresenter } from './project.presenter';
import { ProjectsService } from './projects.service';

@ApiTags('projects')
@Controller('projects')
export class ProjectsController {
  constructor(
    private readonly projects: ProjectsService,
    private readonly presenter: ProjectPresenter,
    private readonly segmentPresenter: SegmentPresenter,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Projects, newest first, 50 a page' })
  @ApiQuery({ name: 'page', required: false })
  @ApiOkResponse({ type: ProjectPageDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: '`{"error":"Invalid page."}`' })
  async list(
    @Req() request: FastifyRequest,
    @Query('page') page?: string | string[],
  ): Promise<Paginated<ProjectDto>> {
    const result = await this.projects.list(lastQueryValue(page));
    return paginatedResponse(
      request,
      result,
      result.items.map((p) => this.presenter.toJson(p)),
    );
  }

  @Post()
  @ApiOperation({ summary: 'Creates an empty DRAFT project' })
  @ApiCreatedResponse({ type: ProjectDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto })
  async create(@Body() body: CreateProjectDto): Promise<ProjectDto> {
    return this.presenter.toJson(await this.projects.create(body.title));
  }

  @Post('import')
  @ApiOperation({ summary: 'Creates a project from a story (JSON or text), all or nothing' })
  @ApiCreatedResponse({ type: ProjectDetailDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto })
  async importStory(
    @Body() body: ImportProjectDto,
    @Req() request: FastifyRequest,
  ): Promise<ProjectDetailDto> {
    const detail = await this.projects.importStory(body.title, toStoryImport(body));
    return this.presenter.toDetailJson(detail, request);
  }

  @Get(':id')
  @ApiOkResponse({ type: ProjectDetailDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: '`{"error":"Project not found"}`' })
  async findOne(
    @Param('id') id: string,
    @Req() request: FastifyRequest,
  ): Promise<ProjectDetailDto> {
    return this.presenter.toDetailJson(await this.projects.getDetail(id), request);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Deletes a project, its segments and its media folder' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  async delete(@Param('id') id: string): Promise<void> {
    await this.projects.delete(id);
  }

  @Post(':id/import-segments')
  @ApiOperation({
    summary: "Appends a story's segments after the project's last one; answers all of them",
  })
  @ApiCreatedResponse({ type: [SegmentDto] })
  @ApiBadRequestResponse({ type: ErrorBodyDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  async importSegments(
    @Param('id') id: string,
    @Body() body: ImportSegmentsDto,
    @Req() request: FastifyRequest,
  ): Promise<SegmentDto[]> {
    const segments = await this.projects.importSegments(id, toStoryImport(body));
    return this.segmentPresenter.toJsonList(segments, request);
  }
}
