import { rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { FastifyRequest } from 'fastify';
import { absoluteUri } from '../common/http/absolute-uri';
import { appConfig } from '../config/app.config';
import { readdirQuietly } from './temporary-files';

/** URL prefix under which the media folder is served. */
export const MEDIA_URL_PREFIX = '/media';

/** See `MediaLayout.temporaryFileGraceMs`: far longer than any write (an upload included). */
const SHARED_FOLDER_TEMPORARY_GRACE_MS = 10 * 60_000;

/** Only ids made of these characters become file names (UUIDs in practice). */
const SAFE_ID = /^[0-9A-Za-z_-]{1,128}$/;

/** The media path of a segment's WAV, read back into its ids. */
const AUDIO_MEDIA_PATH = /^projects\/([0-9A-Za-z_-]{1,128})\/audio\/([0-9A-Za-z_-]{1,128})\.wav$/;

/** Folders of the media root that hold uploads, by kind. */
export type UploadKind = 'image' | 'logo' | 'font';

/** The folders of the media root that hold the uploads that belong to no project. */
const SHARED_UPLOAD_FOLDERS = { logo: 'logos', font: 'fonts' } as const;

/** Uploaded file names: chosen by the server (a UUID and a known extension), never by a client. */
const UPLOAD_NAME = /^[0-9a-f-]{36}\.(jpg|png|webp|ttf|otf)$/;

/**
 * The one place that knows where media files live on disk and under which URL:
 *
 * ```
 * <dataDir>/media/projects/{projectId}/audio/{segmentId}.wav
 *        → /media/projects/{projectId}/audio/{segmentId}.wav
 * <dataDir>/media/projects/{projectId}/audio/{segmentId}.words.json   (word boundaries)
 * <dataDir>/media/projects/{projectId}/images/{uuid}.{jpg|png|webp}   (segment images)
 * <dataDir>/media/logos/{uuid}.{png|webp|jpg}
 * <dataDir>/media/fonts/{uuid}.{ttf|otf}
 * ```
 *
 * A "media path" is relative to the media root with `/` separators
 * (`projects/{pid}/audio/{sid}.wav`); it is what the database stores.
 */
@Injectable()
export class MediaLayout {
  private readonly logger = new Logger(MediaLayout.name);
  /** Absolute path of the media folder. */
  readonly mediaRoot: string;
  /**
   * How old a temporary file must be for a start-up sweep to delete it. 0 (any) on one node;
   * with REDIS_URL every node mounts the folder, and a node that starts must not delete another
   * live node's write in progress: a killed worker's files are swept when its segment is taken
   * over (the one-segment sweep), older ones at the next start.
   */
  readonly temporaryFileGraceMs: number;

  constructor(@Inject(appConfig.KEY) config: ConfigType<typeof appConfig>) {
    this.mediaRoot = join(config.dataDir, 'media');
    this.temporaryFileGraceMs = config.redis ? SHARED_FOLDER_TEMPORARY_GRACE_MS : 0;
  }

  /** Absolute path of a project's media folder. */
  projectDir(projectId: string): string {
    return join(this.mediaRoot, 'projects', safeId(projectId));
  }

  /** Absolute paths of every project's folder of this kind (`audio`, `images`) on disk. */
  async projectFolders(kind: 'audio' | 'images'): Promise<string[]> {
    const projects = join(this.mediaRoot, 'projects');
    return (await readdirQuietly(projects)).map((project) => join(projects, project, kind));
  }

  /** Absolute paths of the folders uploads go to: logos, fonts and every project's images. */
  async uploadFolders(): Promise<string[]> {
    return [
      ...Object.values(SHARED_UPLOAD_FOLDERS).map((folder) => join(this.mediaRoot, folder)),
      ...(await this.projectFolders('images')),
    ];
  }

  /** Media path (relative to the media root) of a segment's WAV. */
  audioMediaPath(projectId: string, segmentId: string): string {
    return posix.join('projects', safeId(projectId), 'audio', `${safeId(segmentId)}.wav`);
  }

  /** The segment whose WAV a media path names, or null when it names anything else. */
  audioSegmentOf(mediaPath: string): { projectId: string; segmentId: string } | null {
    const match = AUDIO_MEDIA_PATH.exec(mediaPath);
    return match && { projectId: match[1], segmentId: match[2] };
  }

  /** Absolute path of a segment's WAV. */
  audioPath(projectId: string, segmentId: string): string {
    return join(this.mediaRoot, this.audioMediaPath(projectId, segmentId));
  }

  /**
   * Absolute path of a segment's word boundaries, next to its WAV
   * (`projects/{pid}/audio/{sid}.words.json`); see `SegmentWords`.
   */
  audioWordsPath(projectId: string, segmentId: string): string {
    return join(
      this.mediaRoot,
      'projects',
      safeId(projectId),
      'audio',
      `${safeId(segmentId)}.words.json`,
    );
  }

  /**
   * Media path of a new upload of this kind, named by the server (`name` is a UUID plus an
   * extension the content check chose). Images belong to a project, so they go with it.
   */
  uploadMediaPath(kind: UploadKind, name: string, projectId?: string): string {
    if (!UPLOAD_NAME.test(name)) throw new Error(`Unsafe upload name: ${JSON.stringify(name)}`);
    if (kind === 'image') return posix.join('projects', safeId(projectId ?? ''), 'images', name);
    return posix.join(SHARED_UPLOAD_FOLDERS[kind], name);
  }

  /** Absolute path of any media path. */
  pathOf(mediaPath: string): string {
    return join(this.mediaRoot, ...mediaPath.split('/'));
  }

  /** Deletes one media file by its media path; a file that is not there is fine. */
  async removeMediaFile(mediaPath: string): Promise<void> {
    await this.removeQuietly(this.pathOf(mediaPath), false);
  }

  /** URL path of a segment's WAV: `/media/projects/{pid}/audio/{sid}.wav`. */
  audioUrlPath(projectId: string, segmentId: string): string {
    return this.urlPathOf(this.audioMediaPath(projectId, segmentId));
  }

  /** URL path of any media path. */
  urlPathOf(mediaPath: string): string {
    return `${MEDIA_URL_PREFIX}/${mediaPath.split('/').map(encodeURIComponent).join('/')}`;
  }

  /** Absolute URL of a URL path on the host the request came to, as DRF's `build_absolute_uri`. */
  absoluteUrl(request: FastifyRequest, urlPath: string): string {
    return absoluteUri(request, urlPath);
  }

  /** Deletes a project's whole media folder; a folder that is not there is fine. */
  async removeProjectMedia(projectId: string): Promise<void> {
    await this.removeQuietly(this.projectDir(projectId), true);
  }

  /** Deletes a segment's WAV and its word boundaries; a file that is not there is fine. */
  async removeAudio(projectId: string, segmentId: string): Promise<void> {
    await this.removeQuietly(this.audioPath(projectId, segmentId), false);
    await this.removeQuietly(this.audioWordsPath(projectId, segmentId), false);
  }

  /**
   * The database is the source of truth and has already changed when this runs, so a file
   * that cannot be deleted is logged, not thrown: it is an orphan, not a failed request.
   */
  private async removeQuietly(path: string, recursive: boolean): Promise<void> {
    try {
      await rm(path, { recursive, force: true });
    } catch (error) {
      this.logger.warn(`Could not remove ${path}: ${(error as Error).message}`);
    }
  }
}

function safeId(id: string): string {
  if (!SAFE_ID.test(id)) throw new Error(`Unsafe id for a media path: ${JSON.stringify(id)}`);
  return id;
}
