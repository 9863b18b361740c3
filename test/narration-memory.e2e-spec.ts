import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { AudioStorage } from '../src/audio/storage/audio.storage';
import { encodeWav, parseWavHeader } from '../src/audio/engine/wav';
import { SegmentsService } from '../src/projects/segments/segments.service';
import { brokenEngine } from './support/engines';
import { startServerProcess } from './support/server-process';
import { api } from './support/story-api';
import { startTestApp } from './support/test-app';

const SEGMENTS = 500;
const SAMPLE_RATE = 22_050;
/** 4 s a segment: the whole narration is ~88 MB, far more than the server may hold. */
const SEGMENT_SAMPLES = 4 * SAMPLE_RATE;

/** Resident set size of a process, in MiB, from /proc (Linux). */
function rssMiB(pid: number): number {
  const kib = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1];
  return Math.round(Number(kib) / 1024);
}

describe('a 500-segment narration streams with flat server memory (e2e, server process)', () => {
  it('serves every byte it promises; RSS before/during/after is reported', async () => {
    // Prepare the data folder in-process: a 500-segment story whose WAVs are recorded
    // through the real services (the engine is not needed for that).
    const setup = await startTestApp({ overrides: [brokenEngine] });
    const project = await api(setup.app).importProject(
      Array.from({ length: SEGMENTS }, (_, i) => `Segment number ${i + 1}.`),
      'Long story',
    );
    const files = setup.app.get(AudioStorage);
    const segments = setup.app.get(SegmentsService);
    const samples = new Int16Array(SEGMENT_SAMPLES).map((_, i) =>
      Math.round(8000 * Math.sin(i / 9)),
    );
    const wav = encodeWav(samples, SAMPLE_RATE);
    for (const segment of project.segments) {
      await files.write(project.id, segment.id, wav);
      await segments.setAudio(segment.id, SEGMENT_SAMPLES / SAMPLE_RATE);
    }
    await setup.close({ keepData: true });

    const server = await startServerProcess({ DATA_DIR: setup.dataDir });
    const pid = server.child.pid!;
    try {
      // The engine's workers load after the server listens: measure once they are up.
      await server.waitForOutput('eSpeak-NG ready', 120_000);
      const before = rssMiB(pid);
      const gap = Math.round(0.3 * SAMPLE_RATE);
      const expectedBytes = 44 + (SEGMENTS * SEGMENT_SAMPLES + (SEGMENTS - 1) * gap) * 2;
      const download = () =>
        new Promise<{ length: number; contentLength: number; head: Buffer; during: number[] }>(
          (resolve, reject) => {
            request(`${server.baseUrl}/api/projects/${project.id}/narration.wav`, (res) => {
              let length = 0;
              let nextSample = 0;
              const during: number[] = [];
              const headChunks: Buffer[] = [];
              res.on('data', (chunk: Buffer) => {
                if (length < 44) headChunks.push(chunk);
                length += chunk.length;
                if (length >= nextSample) {
                  during.push(rssMiB(pid));
                  nextSample += expectedBytes / 8;
                }
              });
              res.on('end', () =>
                resolve({
                  length,
                  contentLength: Number(res.headers['content-length']),
                  head: Buffer.concat(headChunks),
                  during,
                }),
              );
              res.on('error', reject);
            })
              .on('error', reject)
              .end();
          },
        );
      const first = await download();
      const second = await download();
      const after = rssMiB(pid);

      for (const { length, contentLength, head } of [first, second]) {
        expect(contentLength).toBe(expectedBytes);
        expect(length).toBe(expectedBytes);
        expect(parseWavHeader(head, length).dataBytes).toBe(expectedBytes - 44);
      }
      process.stdout.write(
        `narration of ${SEGMENTS} segments, ${(expectedBytes / 2 ** 20).toFixed(1)} MiB: server ` +
          `RSS before ${before} MiB, during the 1st download ${first.during.join('/')} MiB, ` +
          `the 2nd ${second.during.join('/')} MiB, after ${after} MiB\n`,
      );
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
      setup.close();
    }
  }, 300_000);
});
