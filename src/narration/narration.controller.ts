import { Controller, Get, Headers, Param, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { pipeline, Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import rangeParser from 'range-parser';
import { ErrorBodyDto } from '../common/http/error-body.dto';
import { NarrationQuery, SubtitlesQuery } from './dto/narration.query';
import { NarrationService } from './narration.service';
import { WAV_HEADER_BYTES } from '../audio/engine/wav';
import { MP3_KBPS, mp3EncoderStream } from './narration-mp3';
import { narrationByteLength, narrationStream } from './narration-stream';
import { formatSubtitles, SubtitleFormat, subtitleCues } from './narration-timeline';

/** A download's body in the OpenAPI document. */
const BINARY = { type: 'string', format: 'binary' } as const;

const SUBTITLE_TYPES: Record<SubtitleFormat, string> = {
  srt: 'application/x-subrip; charset=utf-8',
  vtt: 'text/vtt; charset=utf-8',
};

@ApiTags('narration')
@Controller('projects/:id')
@ApiNotFoundResponse({ type: ErrorBodyDto, description: 'unknown project' })
@ApiBadRequestResponse({ type: ErrorBodyDto, description: 'bad gap_ms, skip_missing or by' })
@ApiConflictResponse({
  type: ErrorBodyDto,
  description:
    'segments without audio (`details.missing_segment_ids`), unless skip_missing=true; or ' +
    'audio at different sample rates (`details.sample_rates`)',
})
export class NarrationController {
  constructor(private readonly narration: NarrationService) {}

  @Get('narration.wav')
  @ApiOperation({
    summary: 'The whole story as one WAV',
    description:
      'The segments in `sequence_index` order with a pause between them, assembled from the ' +
      'segment WAVs while it streams. Content-Length is exact; Range requests get 206.',
  })
  @ApiProduces('audio/wav')
  @ApiHeader({ name: 'Range', required: false, description: 'one byte range, e.g. bytes=0-1023' })
  @ApiOkResponse({ description: 'the WAV (PCM 16-bit mono)', schema: BINARY })
  @ApiResponse({ status: 206, description: 'the requested byte range', schema: BINARY })
  @ApiResponse({ status: 416, type: ErrorBodyDto, description: 'range not satisfiable' })
  async wav(
    @Param('id') id: string,
    @Query() query: NarrationQuery,
    @Headers('range') range: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { timeline, sources } = await this.narration.plan(id, {
      gapMs: query.gap_ms,
      skipMissing: query.skip_missing,
    });
    const size = narrationByteLength(timeline);
    const ranges = range === undefined ? undefined : rangeParser(size, range, { combine: true });
    if (ranges === -1) {
      reply.code(416).header('content-range', `bytes */${size}`);
      reply.send({ error: 'Requested range not satisfiable' });
      return;
    }
    reply
      .header('content-type', 'audio/wav')
      .header('accept-ranges', 'bytes')
      .header('content-disposition', 'attachment; filename="narration.wav"');
    // A malformed header or several ranges: answer the whole file, as RFC 9110 allows.
    if (Array.isArray(ranges) && ranges.length === 1 && ranges.type === 'bytes') {
      const [{ start, end }] = ranges;
      reply
        .code(206)
        .header('content-range', `bytes ${start}-${end}/${size}`)
        .header('content-length', end - start + 1)
        .send(headOnly(reply) ?? narrationStream(timeline, sources, start, end));
      return;
    }
    reply
      .header('content-length', size)
      .send(headOnly(reply) ?? narrationStream(timeline, sources));
  }

  @Get('narration.mp3')
  @ApiOperation({
    summary: 'The whole story as one MP3 (compressed download)',
    description:
      `The same audio as narration.wav (same order, pauses and query), encoded while it streams ` +
      `to a constant ${MP3_KBPS} kbit/s mono MP3 by LAME in pure JavaScript (@breezystack/lamejs) ` +
      'in a worker thread: about a fifth of the WAV. Its length is only known once encoded, so ' +
      'it is sent chunked, without Content-Length or Range (use the WAV for those).',
  })
  @ApiProduces('audio/mpeg')
  @ApiOkResponse({
    description: `the MP3 (MPEG-2 Layer III at the segments' rate, mono)`,
    schema: BINARY,
  })
  async mp3(
    @Param('id') id: string,
    @Query() query: NarrationQuery,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { timeline, sources } = await this.narration.plan(id, {
      gapMs: query.gap_ms,
      skipMissing: query.skip_missing,
    });
    reply
      .header('content-type', 'audio/mpeg')
      .header('accept-ranges', 'none')
      .header('content-disposition', 'attachment; filename="narration.mp3"');
    const head = headOnly(reply);
    if (head) {
      reply.send(head);
      return;
    }
    const mp3 = mp3EncoderStream(timeline.sampleRate);
    // The samples only (from the first byte after the WAV header); an error or a client that
    // goes away destroys both streams, and the encoder's worker with them.
    pipeline(narrationStream(timeline, sources, WAV_HEADER_BYTES), mp3, () => undefined);
    reply.send(mp3);
  }

  @Get('narration.srt')
  @ApiOperation({ summary: 'Subtitles of the narration WAV (SubRip), timed to its samples' })
  @ApiProduces('application/x-subrip')
  @ApiOkResponse({
    description: 'one cue per segment (or per sentence with by=sentence)',
    schema: { type: 'string' },
  })
  async srt(
    @Param('id') id: string,
    @Query() query: SubtitlesQuery,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.subtitles(id, query, 'srt', reply);
  }

  @Get('narration.vtt')
  @ApiOperation({ summary: 'Subtitles of the narration WAV (WebVTT), timed to its samples' })
  @ApiProduces('text/vtt')
  @ApiOkResponse({
    description: 'one cue per segment (or per sentence with by=sentence)',
    schema: { type: 'string' },
  })
  async vtt(
    @Param('id') id: string,
    @Query() query: SubtitlesQuery,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.subtitles(id, query, 'vtt', reply);
  }

  private async subtitles(
    id: string,
    query: SubtitlesQuery,
    format: SubtitleFormat,
    reply: FastifyReply,
  ): Promise<void> {
    const by = query.by ?? 'segment';
    const { timeline } = await this.narration.plan(id, {
      gapMs: query.gap_ms,
      skipMissing: query.skip_missing,
      words: by === 'sentence',
    });
    const body = formatSubtitles(subtitleCues(timeline, by), format);
    reply
      .header('content-type', SUBTITLE_TYPES[format])
      .header('content-disposition', `attachment; filename="narration.${format}"`)
      .send(body);
  }
}

/**
 * The body of a HEAD answer: an empty stream, so that the headers (Content-Length included)
 * are those of the GET. Fastify answers HEAD with the GET handler and drains a stream body
 * to discard it, which would read every segment's file (and encode the whole MP3) for nothing.
 */
function headOnly(reply: FastifyReply): Readable | undefined {
  return reply.request.method === 'HEAD' ? Readable.from([]) : undefined;
}
