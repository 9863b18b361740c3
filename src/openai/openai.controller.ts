import { pipeline } from 'node:stream';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import {
  ApiBearerAuth,
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { EngineVoices } from '../audio/engine/engine-voices';
import { TTS_ENGINES } from '../config/app.config';
import '../common/http/route-behaviour';
import { CONTENT_TYPES, encoderFor } from './audio-formats';
import { OpenAiExceptionFilter } from './openai-exception.filter';
import { OpenAiKeyGuard } from './openai-key.guard';
import { OpenAiSpeechService } from './openai-speech.service';
import {
  OpenAiErrorDto,
  OpenAiModelDto,
  OpenAiModelListDto,
  OpenAiVoicesDto,
  SpeechRequestDto,
} from './openai.dto';
import { OpenAiError } from './openai.errors';
import { parseSpeechRequest } from './speech-request';

/** The `/v1` routes, outside the `/api` prefix (app.setup.ts excludes them). */
export const OPENAI_PREFIX = 'v1';

/** One model per engine (`auto` is a choice, not an engine). */
const MODELS = TTS_ENGINES.filter((engine) => engine !== 'auto');
/** When these models were first listed (a fixed date: they are not trained here). */
const MODELS_CREATED = 1_764_460_800; // 2025-11-30

/**
 * OpenAI's speech API (`/v1/audio/speech`, `/v1/audio/voices`, `/v1/models`), so that the
 * official SDKs, Open WebUI, SillyTavern and scripts work by changing their base URL. Errors
 * are in OpenAI's shape on these routes only; the speech route shares the generation rate
 * limit (`generation`) and answers its 429 in that shape too (`openAiErrors`).
 */
@ApiTags('openai')
@ApiBearerAuth()
@Controller(OPENAI_PREFIX)
@UseGuards(OpenAiKeyGuard)
@UseFilters(OpenAiExceptionFilter)
export class OpenAiController {
  constructor(
    private readonly speech: OpenAiSpeechService,
    private readonly voices: EngineVoices,
  ) {}

  @Post('audio/speech')
  @HttpCode(200)
  @RouteConfig({ generation: true, openAiErrors: true })
  @ApiOperation({
    summary: 'Speech from text, as OpenAI answers it, streamed sentence by sentence',
    description:
      'The input is cut at sentence boundaries and spoken on the same worker pool and fair ' +
      'scheduler as generation; the answer starts once the first sentence is spoken and is ' +
      "sent chunked. Headers: X-Sample-Rate (the engine's rate), X-Speed (the speed applied), " +
      'X-Model (as sent). Counted by the generation rate limit (429); 503 + Retry-After when ' +
      'SPEECH_MAX_STREAMS answers are streaming. A client that disconnects cancels its synthesis.',
  })
  @ApiBody({ type: SpeechRequestDto })
  @ApiProduces('audio/mpeg', 'audio/wav', 'audio/pcm', 'audio/flac')
  @ApiOkResponse({ description: 'the audio, chunked' })
  @ApiResponse({ status: 400, type: OpenAiErrorDto, description: 'a bad field (`param`)' })
  @ApiResponse({
    status: 401,
    type: OpenAiErrorDto,
    description: 'OPENAI_API_KEY_REQUIRED set, key missing or wrong',
  })
  @ApiResponse({ status: 429, type: OpenAiErrorDto, description: 'generation rate limit' })
  @ApiResponse({
    status: 503,
    type: OpenAiErrorDto,
    description: 'saturated or engine unavailable',
  })
  async createSpeech(@Body() body: unknown, @Res() reply: FastifyReply): Promise<void> {
    const request = parseSpeechRequest(body, this.voices);
    // The client going away (before or during the answer) cancels the synthesis.
    const gone = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) gone.abort();
    });
    let speech;
    try {
      speech = await this.speech.speak(request, gone.signal);
    } catch (error) {
      if (gone.signal.aborted) return; // nobody to answer
      throw error;
    }
    const audio = encoderFor(request.format, speech.sampleRate);
    pipeline(speech.pcm, audio, () => undefined);
    reply
      .header('content-type', CONTENT_TYPES[request.format])
      .header('x-sample-rate', String(speech.sampleRate))
      .header('x-speed', String(request.engineSpeed))
      .header('x-model', request.model)
      .send(audio);
  }

  @Get('audio/voices')
  @ApiOperation({ summary: "The running engine's voices (ids for `voice`)" })
  @ApiOkResponse({ type: OpenAiVoicesDto })
  listVoices(): OpenAiVoicesDto {
    return {
      voices: this.voices
        .list()
        .map(({ id, name, gender, accent }) => ({ id, name, gender, accent })),
    };
  }

  @Get('models')
  @ApiOperation({ summary: 'One model per engine; `model` does not choose the engine' })
  @ApiOkResponse({ type: OpenAiModelListDto })
  listModels(): OpenAiModelListDto {
    return { object: 'list', data: MODELS.map(model) };
  }

  @Get('models/:id')
  @ApiOperation({ summary: 'One of the models listed' })
  @ApiOkResponse({ type: OpenAiModelDto })
  @ApiResponse({ status: 404, type: OpenAiErrorDto })
  getModel(@Param('id') id: string): OpenAiModelDto {
    if (!(MODELS as readonly string[]).includes(id)) {
      throw new OpenAiError(
        404,
        `The model "${id}" does not exist`,
        'invalid_request_error',
        'model',
        'model_not_found',
      );
    }
    return model(id);
  }
}

function model(id: string): OpenAiModelDto {
  return { id, object: 'model', created: MODELS_CREATED, owned_by: 'storyflow-voice' };
}
