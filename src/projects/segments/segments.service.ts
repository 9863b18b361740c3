import { Injectable } from '@nestjs/common';
import { emptyPage, Page, resolvePage } from '../../common/pagination';
import { parseId } from '../../database/ids';
import { MediaLayout } from '../../media/media-layout';
import { ProjectNotFoundError } from '../project.errors';
import {
  InvalidSegmentOrderError,
  SegmentHasNoAudioError,
  SegmentLockedError,
  SegmentNotFoundError,
} from './segment.errors';
import type {
  Segment,
  SegmentChanges,
  SegmentDraft,
  SegmentPatch,
  SegmentPosition,
} from './segment.types';
import { SegmentsRepository } from './segments.repository';

/**
 * Use cases on segments, for the HTTP layer and for the other modules (projects, audio).
 * Ids are taken as received and checked here: anything that is not a known UUID is
 * "not found". Every read-check-write runs in one repository transaction.
 */
@Injectable()
export class SegmentsService {
  constructor(
    private readonly segments: SegmentsRepository,
    private readonly media: MediaLayout,
  ) {}

  /** A page of a project's segments by position; no or unknown project: the empty page. */
  async list(projectId: string | undefined, page: string | undefined): Promise<Page<Segment>> {
    const id = parseId(projectId);
    if (id === null) return { ...emptyPage<Segment>(), ...resolvePage(page, 0) };
    const count = await this.segments.countByProject(id);
    const window = resolvePage(page, count);
    return { ...window, count, items: await this.segments.listByProject(id, window) };
  }

  /** One segment. Throws SegmentNotFoundError. */
  async findOne(id: string): Promise<Segment> {
    const key = parseId(id);
    const segment = key === null ? undefined : await this.segments.findById(key);
    if (!segment) throw new SegmentNotFoundError();
    return segment;
  }

  /**
   * Every segment of a project in `sequence_index` order, for a batch synthesis.
   * Throws ProjectNotFoundError.
   */
  async findForGeneration(projectId: string): Promise<Segment[]> {
    return this.listForProject(projectId);
  }

  /** Every segment of a project in order. Throws ProjectNotFoundError. */
  async listForProject(projectId: string): Promise<Segment[]> {
    const id = this.projectKey(projectId);
    return this.segments.transaction(async (tx) => {
      if (!(await tx.projectExists(id))) throw new ProjectNotFoundError();
      return tx.listByProject(id);
    });
  }

  /**
   * Appends segments after the project's last one, all or none, and returns all of the
   * project's segments in order (what StoryFlow's import answers). Throws ProjectNotFoundError.
   */
  async appendAndList(projectId: string, drafts: readonly SegmentDraft[]): Promise<Segment[]> {
    const id = this.projectKey(projectId);
    return this.segments.transaction(async (tx) => {
      if (!(await tx.projectExists(id))) throw new ProjectNotFoundError();
      await tx.append(id, drafts);
      return tx.listByProject(id);
    });
  }

  /** Creates one segment after the project's last. Throws ProjectNotFoundError. */
  async create(projectId: string, draft: SegmentDraft): Promise<Segment> {
    const [segment] = await this.append(projectId, [draft]);
    return segment;
  }

  /**
   * Appends segments after the project's last one, all or none.
   * Throws ProjectNotFoundError.
   */
  async append(projectId: string, drafts: readonly SegmentDraft[]): Promise<Segment[]> {
    const id = this.projectKey(projectId);
    return this.segments.transaction(async (tx) => {
      if (!(await tx.projectExists(id))) throw new ProjectNotFoundError();
      return tx.append(id, drafts);
    });
  }

  /**
   * Applies a client's edit. A locked segment accepts only a change of `isLocked`: a patch
   * that would change anything else is refused (SegmentLockedError, nothing changed).
   * Throws SegmentNotFoundError.
   */
  async update(id: string, patch: SegmentPatch): Promise<Segment> {
    const key = this.segmentKey(id);
    return this.segments.transaction(async (tx) => {
      const segment = await tx.findById(key);
      if (!segment) throw new SegmentNotFoundError();
      const changes = changedFields(segment, patch);
      const editsContent = changes.textContent !== undefined || changes.imagePrompt !== undefined;
      if (segment.isLocked && editsContent) {
        throw new SegmentLockedError('Cannot edit a locked segment. Unlock it first.');
      }
      return (await tx.update(key, changes)) ?? segment;
    });
  }

  /** Deletes a segment, its WAV and its image. Throws SegmentNotFoundError. */
  async delete(id: string): Promise<void> {
    const deleted = await this.segments.delete(this.segmentKey(id));
    if (!deleted) throw new SegmentNotFoundError();
    await this.media.removeAudio(deleted.projectId, deleted.id);
    if (deleted.imageFile !== null) await this.media.removeMediaFile(deleted.imageFile);
  }

  /**
   * The client's "remove audio": refused on a locked segment or one without audio.
   * Throws SegmentNotFoundError, SegmentLockedError, SegmentHasNoAudioError.
   */
  async removeAudio(id: string): Promise<Segment> {
    const key = this.segmentKey(id);
    const segment = await this.segments.transaction(async (tx) => {
      const current = await tx.findById(key);
      if (!current) throw new SegmentNotFoundError();
      if (current.isLocked) throw new SegmentLockedError();
      if (current.audioFile === null) throw new SegmentHasNoAudioError();
      return (await tx.update(key, { audioFile: null, audioDuration: null }))!;
    });
    await this.media.removeAudio(segment.projectId, segment.id);
    return segment;
  }

  /**
   * Records the WAV just written at `MediaLayout.audioPath(projectId, segmentId)` and its
   * duration in seconds. Throws SegmentNotFoundError if the segment was deleted meanwhile
   * (the caller should then delete the file).
   */
  async setAudio(segmentId: string, durationSeconds: number): Promise<Segment> {
    const key = this.segmentKey(segmentId);
    return this.segments.transaction(async (tx) => {
      const segment = await tx.findById(key);
      if (!segment) throw new SegmentNotFoundError();
      return (await tx.update(key, {
        audioFile: this.media.audioMediaPath(segment.projectId, segment.id),
        audioDuration: durationSeconds,
      }))!;
    });
  }

  /**
   * Forgets a segment's audio and deletes its WAV, whatever the lock (internal use; the
   * client's route is `removeAudio`). Throws SegmentNotFoundError.
   */
  async clearAudio(segmentId: string): Promise<Segment> {
    const segment = await this.segments.update(this.segmentKey(segmentId), {
      audioFile: null,
      audioDuration: null,
    });
    if (!segment) throw new SegmentNotFoundError();
    await this.media.removeAudio(segment.projectId, segment.id);
    return segment;
  }

  /**
   * Gives a project's segments positions 0..n-1 in the order given, which must list each of
   * its segments exactly once. Throws ProjectNotFoundError, InvalidSegmentOrderError.
   */
  async reorder(projectId: string, order: readonly string[]): Promise<SegmentPosition[]> {
    const id = this.projectKey(projectId);
    return this.segments.transaction(async (tx) => {
      if (!(await tx.projectExists(id))) throw new ProjectNotFoundError();
      const current = (await tx.listByProject(id)).map((segment) => segment.id);
      const ids = order.map((raw) => parseId(raw) ?? raw);
      checkPermutation(current, ids);
      await tx.applyOrder(id, ids);
      return ids.map((segmentId, sequenceIndex) => ({ id: segmentId, sequenceIndex }));
    });
  }

  private projectKey(id: string): string {
    const key = parseId(id);
    if (key === null) throw new ProjectNotFoundError();
    return key;
  }

  private segmentKey(id: string): string {
    const key = parseId(id);
    if (key === null) throw new SegmentNotFoundError();
    return key;
  }
}

/** The fields of a patch whose value differs from the segment's. */
function changedFields(segment: Segment, patch: SegmentPatch): SegmentChanges {
  const changes: { -readonly [K in keyof SegmentChanges]: SegmentChanges[K] } = {};
  if (patch.textContent !== undefined && patch.textContent !== segment.textContent) {
    changes.textContent = patch.textContent;
  }
  if (patch.imagePrompt !== undefined && patch.imagePrompt !== segment.imagePrompt) {
    changes.imagePrompt = patch.imagePrompt;
  }
  if (patch.isLocked !== undefined && patch.isLocked !== segment.isLocked) {
    changes.isLocked = patch.isLocked;
  }
  return changes;
}

/** Throws InvalidSegmentOrderError unless `order` lists every id of `current` exactly once. */
function checkPermutation(current: readonly string[], order: readonly string[]): void {
  const known = new Set(current);
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const id of order) (seen.has(id) ? duplicates : seen).add(id);
  const missing = current.filter((id) => !seen.has(id));
  const foreign = [...seen].filter((id) => !known.has(id));
  const problems: string[] = [];
  if (missing.length) problems.push(`Missing IDs: ${missing.join(', ')}`);
  if (foreign.length) problems.push(`Invalid IDs: ${foreign.join(', ')}`);
  if (duplicates.size) problems.push(`Duplicate IDs: ${[...duplicates].join(', ')}`);
  if (problems.length) throw new InvalidSegmentOrderError(problems);
}
