import type { PageWindow } from '../../common/pagination';
import type { MediaLayout } from '../../media/media-layout';
import { ProjectNotFoundError } from '../project.errors';
import {
  InvalidSegmentOrderError,
  SegmentHasNoAudioError,
  SegmentLockedError,
  SegmentNotFoundError,
} from './segment.errors';
import type { Segment, SegmentChanges, SegmentDraft } from './segment.types';
import { SegmentsRepository } from './segments.repository';
import { SegmentsService } from './segments.service';

const P = '11111111-1111-4111-8111-111111111111';
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** In-memory SegmentsRepository: the service's rules, without SQLite. */
class FakeSegmentsRepository extends SegmentsRepository {
  readonly projects = new Set<string>([P]);
  rows: Segment[] = [];
  private next = 1;

  transaction<T>(work: (repository: SegmentsRepository) => Promise<T>): Promise<T> {
    const snapshot = this.rows.map((row) => ({ ...row }));
    return work(this).catch((error: unknown) => {
      this.rows = snapshot;
      throw error;
    });
  }
  async projectExists(projectId: string) {
    return this.projects.has(projectId);
  }
  async countByProject(projectId: string) {
    return this.rows.filter((r) => r.projectId === projectId).length;
  }
  async listByProject(projectId: string, window?: PageWindow) {
    const all = this.rows
      .filter((r) => r.projectId === projectId)
      .sort((a, b) => a.sequenceIndex - b.sequenceIndex);
    return window ? all.slice(window.offset, window.offset + window.size) : all;
  }
  async findById(segmentId: string) {
    return this.rows.find((r) => r.id === segmentId);
  }
  async append(projectId: string, drafts: readonly SegmentDraft[]) {
    const start =
      Math.max(-1, ...(await this.listByProject(projectId)).map((r) => r.sequenceIndex)) + 1;
    const added = drafts.map((draft, i) => ({
      id: id(this.next++),
      projectId,
      sequenceIndex: start + i,
      ...draft,
      audioFile: null,
      audioDuration: null,
      isLocked: false,
      imageFile: null,
    }));
    this.rows.push(...added);
    return added;
  }
  async update(segmentId: string, changes: SegmentChanges) {
    const i = this.rows.findIndex((r) => r.id === segmentId);
    if (i < 0) return undefined;
    this.rows[i] = { ...this.rows[i], ...changes };
    return this.rows[i];
  }
  async delete(segmentId: string) {
    const row = await this.findById(segmentId);
    this.rows = this.rows.filter((r) => r.id !== segmentId);
    return row;
  }
  async applyOrder(_projectId: string, orderedIds: readonly string[]) {
    this.rows = this.rows.map((r) => ({ ...r, sequenceIndex: orderedIds.indexOf(r.id) }));
  }
}

describe('SegmentsService', () => {
  let repository: FakeSegmentsRepository;
  let removed: string[];
  let service: SegmentsService;

  beforeEach(() => {
    repository = new FakeSegmentsRepository();
    removed = [];
    const media = {
      audioMediaPath: (p: string, s: string) => `projects/${p}/audio/${s}.wav`,
      removeAudio: async (_p: string, s: string) => void removed.push(s),
    } as unknown as MediaLayout;
    service = new SegmentsService(repository, media);
  });

  const seed = (n: number) =>
    service.append(
      P,
      Array.from({ length: n }, (_, i) => ({ textContent: `t${i}`, imagePrompt: '' })),
    );

  it('appends at the end of the project', async () => {
    await seed(2);
    expect((await service.create(P, { textContent: 'x', imagePrompt: '' })).sequenceIndex).toBe(2);
    await expect(service.create(id(999), { textContent: '', imagePrompt: '' })).rejects.toThrow(
      ProjectNotFoundError,
    );
    await expect(service.append('nope', [])).rejects.toThrow(ProjectNotFoundError);
  });

  it('a locked segment only changes its lock', async () => {
    const [s] = await seed(1);
    await service.update(s.id, { isLocked: true });
    await expect(service.update(s.id, { textContent: 'new' })).rejects.toThrow(SegmentLockedError);
    await expect(
      service.update(s.id, { textContent: 't0', imagePrompt: '' }),
    ).resolves.toMatchObject({ isLocked: true });
    await expect(service.update(s.id, { isLocked: false })).resolves.toMatchObject({
      isLocked: false,
    });
    await expect(service.update(s.id, { textContent: 'new' })).resolves.toMatchObject({
      textContent: 'new',
    });
  });

  it('remove-audio rules, then the file is removed', async () => {
    const [s] = await seed(1);
    await expect(service.removeAudio(s.id)).rejects.toThrow(SegmentHasNoAudioError);
    await service.setAudio(s.id, 2);
    await service.update(s.id, { isLocked: true });
    await expect(service.removeAudio(s.id)).rejects.toThrow(SegmentLockedError);
    expect(removed).toEqual([]);
    await service.update(s.id, { isLocked: false });
    await expect(service.removeAudio(s.id)).resolves.toMatchObject({ audioFile: null });
    expect(removed).toEqual([s.id]);
  });

  it('reorder accepts exactly a permutation', async () => {
    const [a, b, c] = await seed(3);
    await expect(service.reorder(P, [c.id, a.id])).rejects.toThrow(InvalidSegmentOrderError);
    await expect(service.reorder(P, [c.id, a.id, a.id, b.id])).rejects.toThrow(
      InvalidSegmentOrderError,
    );
    expect((await service.listForProject(P)).map((s) => s.id)).toEqual([a.id, b.id, c.id]);
    await service.reorder(P, [c.id, a.id, b.id]);
    expect((await service.listForProject(P)).map((s) => [s.id, s.sequenceIndex])).toEqual([
      [c.id, 0],
      [a.id, 1],
      [b.id, 2],
    ]);
  });

  it('unknown or malformed ids are not found, without reaching the repository', async () => {
    const spy = jest.spyOn(repository, 'findById');
    await expect(service.findOne('../etc')).rejects.toThrow(SegmentNotFoundError);
    expect(spy).not.toHaveBeenCalled();
    await expect(service.findOne(id(404))).rejects.toThrow(SegmentNotFoundError);
  });
});
