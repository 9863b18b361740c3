import { GenerationRoute } from '../common/http/route-behaviour';
import { Body, Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ErrorBodyDto } from '../common/http/error-body.dto';
import {
  GenerateAllAudioDto,
  ProjectGenerationAcceptedDto,
  SegmentGenerationAcceptedDto,
} from './dto/generation.dto';
import { SpeechGenerationService } from './speech-generation.service';

@ApiTags('audio')
@Controller()
@ApiNotFoundResponse({ type: ErrorBodyDto })
@ApiServiceUnavailableResponse({
  type: ErrorBodyDto,
  description: 'engine unavailable, or too many active tasks',
})
export class AudioController {
  constructor(private readonly generation: SpeechGenerationService) {}

  @Post('segments/:id/generate-audio')
  @GenerationRoute()
  @HttpCode(202)
  @ApiOperation({ summary: "Synthesize one segment's narration in the background" })
  @ApiAcceptedResponse({ type: SegmentGenerationAcceptedDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto, description: 'empty text' })
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'locked, or already being generated' })
  async generateSegment(@Param('id') id: string): Promise<SegmentGenerationAcceptedDto> {
    const { taskId, segmentId } = await this.generation.generateSegment(id);
    return {
      task_id: taskId,
      segment_id: segmentId,
      status: 'PENDING',
      message: 'Audio generation started',
    };
  }

  @Post('projects/:id/generate-all-audio')
  @GenerationRoute()
  @ApiOperation({ summary: "Synthesize a project's segments in order, in the background" })
  @ApiBody({ type: GenerateAllAudioDto, required: false })
  @ApiAcceptedResponse({ type: ProjectGenerationAcceptedDto })
  @ApiOkResponse({ type: ProjectGenerationAcceptedDto, description: 'nothing left to generate' })
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'a batch is already running' })
  async generateProject(
    @Param('id') id: string,
    @Body() body: GenerateAllAudioDto = {},
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ProjectGenerationAcceptedDto> {
    const plan = await this.generation.generateProject(id, {
      skipLocked: body?.skip_locked ?? true,
      forceRegenerate: body?.force_regenerate ?? false,
    });
    reply.code(plan.taskId ? 202 : 200);
    return {
      task_id: plan.taskId,
      project_id: plan.projectId,
      status: plan.taskId ? 'PENDING' : 'COMPLETED',
      total_segments: plan.totalSegments,
      segments_to_process: plan.segmentsToProcess,
      skipped_locked: plan.skippedLocked,
      skipped_existing: plan.skippedExisting,
      skipped_empty: plan.skippedEmpty,
      message: plan.taskId
        ? `Generating audio for ${plan.segmentsToProcess} segment(s)`
        : 'No segments need audio',
    };
  }
}
