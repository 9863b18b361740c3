import { applyChange, newTaskRecord, releasedClaims, segmentClaim } from './task-transitions';

describe('task transitions: claims', () => {
  const now = new Date('2026-01-01T00:00:00.000Z');
  const batch = () =>
    newTaskRecord(
      't',
      { total: 3, exclusive: ['batch:p'], claims: ['s1', 's2', 's3'].map(segmentClaim) },
      now,
    );
  const completed = (segmentId: string) => ({
    kind: 'settle-segment' as const,
    outcome: { segmentId, completed: { segment_id: segmentId, audio_url: 'u', duration: 1 } },
  });

  it('a settled segment lets go of its claim only; the others keep their order', () => {
    const task = batch();
    const next = applyChange(task, completed('s2'), now)!;
    expect(next.claims).toEqual(['batch:p', 'segment:s1', 'segment:s3']);
    expect(releasedClaims(task.claims, next.claims)).toEqual(['segment:s2']);
  });

  it('a change that touches no claim keeps the same list (nothing released)', () => {
    const task = batch();
    const next = applyChange(task, { kind: 'begin-segment', segmentId: 's1' }, now)!;
    expect(next.claims).toBe(task.claims);
    expect(releasedClaims(task.claims, next.claims)).toEqual([]);
    // A segment the task does not claim settles without touching the list.
    const other = applyChange(task, completed('x'), now)!;
    expect(other.claims).toBe(task.claims);
  });

  it('the end of the task releases every claim left', () => {
    const task = applyChange(batch(), completed('s1'), now)!;
    const ended = applyChange(task, { kind: 'fail' }, now)!;
    expect(ended.claims).toEqual([]);
    expect(releasedClaims(task.claims, ended.claims)).toEqual([
      'batch:p',
      'segment:s2',
      'segment:s3',
    ]);
  });

  it('lists that are not one a subsequence of the other still give the set difference', () => {
    expect(releasedClaims(['a', 'b', 'c'], ['c', 'a'])).toEqual(['b']);
  });
});
