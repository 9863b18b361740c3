import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeCue, parseSync } from 'subtitle';
import { SynthesisFailedError } from '../src/audio/engine/tts-engine.errors';
import {
  SynthesisOptions,
  SynthesisRequest,
  SynthesisResult,
  TtsEngine,
} from '../src/audio/engine/tts.engine';
import { parseWavHeader } from '../src/audio/engine/wav';
import { CLI_COMMAND, hasCommand, runCli, startCli } from './support/cli-process';
import { FakeTtsEngine } from './support/engines';
import { useTestApp } from './support/test-app';

const PARAGRAPHS = [
  'The fox ran into the woods. It was dark and cold.',
  'An owl watched from a branch. "Who goes there?" it asked.',
  'The fox did not answer. It kept running until dawn.',
];

/** A story long enough to be interrupted, or watched, while it is being narrated. */
const LONG_STORY = Array.from(
  { length: 12 },
  (_, i) =>
    `Paragraph ${i + 1}. The fox ran into the woods, and it was dark and cold and very quiet ` +
    'there. An owl watched from a branch and said nothing at all.',
).join('\n\n');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cli-test-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('storyflow-voice narrate (e2e, real engine, no server)', () => {
  it('turns a 3-paragraph file into a valid WAV and SRT (checked with sox)', async () => {
    writeFileSync(join(dir, 'story.txt'), PARAGRAPHS.join('\n\n') + '\n');
    const { code, stdout, stderr } = await runCli([
      'narrate',
      join(dir, 'story.txt'),
      '-o',
      join(dir, 'story.wav'),
      '--srt',
      join(dir, 'story.srt'),
      '--gap',
      '0.5',
    ]);
    expect({ code, stderr: stderr.replace(/segment \d+\/3 done.*\n/g, '') }).toEqual({
      code: 0,
      stderr: '',
    });
    expect(stdout).toMatch(/^Wrote .*story\.wav \(\d+\.\d s, 3 segments\) and .*story\.srt/);
    // No temporary file is left next to the outputs.
    expect(readdirSync(dir).sort()).toEqual(['story.srt', 'story.txt', 'story.wav']);

    const wav = readFileSync(join(dir, 'story.wav'));
    const header = parseWavHeader(wav);
    expect(header).toMatchObject({ channels: 1, bitsPerSample: 16, sampleRate: 22050 });
    expect(header.dataOffset + header.dataBytes).toBe(wav.length);

    // sox reads it as the same audio, and it is speech, not silence.
    const info = (flag: string) =>
      execFileSync('sox', ['--i', flag, join(dir, 'story.wav')], { encoding: 'utf8' }).trim();
    expect(info('-r')).toBe('22050');
    expect(info('-c')).toBe('1');
    expect(info('-b')).toBe('16');
    expect(Number(info('-s'))).toBe(header.dataBytes / 2);
    // `sox ... stat` reports on stderr.
    const stat = execFileSync('sh', ['-c', 'sox "$0" -n stat 2>&1', join(dir, 'story.wav')], {
      encoding: 'utf8',
    });
    const rms = Number(/RMS\s+amplitude:\s+([\d.]+)/.exec(stat)![1]);
    expect(rms).toBeGreaterThan(0.01);

    // The subtitles: by sentence (the default), in order, covering every word, ending with the WAV.
    const cues = parseSync(readFileSync(join(dir, 'story.srt'), 'utf8')).filter(
      (node): node is NodeCue => node.type === 'cue',
    );
    expect(cues.length).toBeGreaterThanOrEqual(6);
    expect(cues.map((cue) => cue.data.text).join(' ')).toBe(PARAGRAPHS.join(' '));
    for (let i = 1; i < cues.length; i++) {
      expect(cues[i].data.start).toBeGreaterThanOrEqual(cues[i - 1].data.end);
    }
    const durationMs = Math.round(((header.dataBytes / 2) * 1000) / header.sampleRate);
    expect(cues[cues.length - 1].data.end).toBe(durationMs);
    // Two gaps of 0.5 s: the second paragraph's first cue starts after the first one's end + gap.
    const second = cues.find((cue) => cue.data.text.startsWith('An owl'))!;
    const before = cues[cues.indexOf(second) - 1];
    expect(second.data.start - before.data.end).toBeGreaterThanOrEqual(500);
    expect(second.data.start - before.data.end).toBeLessThan(600);
  });

  it('Ctrl-C mid-run stops with exit 130 and leaves no output file', async () => {
    writeFileSync(join(dir, 'long.txt'), LONG_STORY);
    const work = join(dir, 'tmp');
    execFileSync('mkdir', [work]);
    const run = startCli(
      [
        'narrate',
        join(dir, 'long.txt'),
        '-o',
        join(dir, 'long.wav'),
        '--srt',
        join(dir, 'long.srt'),
      ],
      { TMPDIR: work },
    );
    // Mid-run: the first segment is done, eleven are not.
    await run.waitForStderr(/segment \d+\/12 done/);
    run.child.kill('SIGINT');
    const { code } = await run.exited;
    expect(code).toBe(130);
    expect(run.stderr()).toMatch(/storyflow-voice: interrupted: no output file written\n$/);
    expect(run.stderr().match(/segment \d+\/12 done/g)!.length).toBeLessThan(12);
    expect(run.stdout()).toBe('');
    expect(readdirSync(dir).sort()).toEqual(['long.txt', 'tmp']);
    // The folder of the segment WAVs is gone too (only the CLI's own folders are looked at).
    expect(readdirSync(work).filter((name) => name.startsWith('storyflow-voice-'))).toEqual([]);
  });

  it('answers --help everywhere, and one-line errors with the documented exit codes', async () => {
    for (const args of [
      ['--help'],
      ['narrate', '--help'],
      ['status', '--help'],
      ['voices', '--help'],
    ]) {
      const { code, stdout } = await runCli(args);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^Usage: storyflow-voice/);
    }
    expect((await runCli(['--help'])).stdout).toMatch(/Exit codes:\n\s+0 +success/);

    const voices = await runCli(['voices']);
    expect(voices.code).toBe(0);
    expect(voices.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+GENDER\s+ACCENT\s+ENGINE VOICE$/);
    expect(voices.stdout).toMatch(
      /^af_bella\s+Bella\s+female\s+American\s+en-us\+f3\s+\(default\)$/m,
    );

    const unknownOption = await runCli(['narrate', 'x.txt', '-o', 'x.wav', '--colour']);
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.stderr).toBe("error: unknown option '--colour'\n");

    const badInterval = await runCli(['status', 'tts_x', '-f', '--interval', '0']);
    expect(badInterval.code).toBe(2);
    expect(badInterval.stderr).toMatch(
      /^error: option '--interval <seconds>' argument '0' is invalid/,
    );

    const badVoice = await runCli(['narrate', 'x.txt', '-o', join(dir, 'x.wav'), '--voice', 'zz']);
    expect(badVoice.code).toBe(2);
    expect(badVoice.stderr).toMatch(
      /^storyflow-voice: unknown voice "zz"; one of: af_bella, [^\n]+\n$/,
    );

    const missing = await runCli(['narrate', join(dir, 'none.txt'), '-o', join(dir, 'x.wav')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`storyflow-voice: cannot read ${join(dir, 'none.txt')}: ENOENT\n`);
    expect(readdirSync(dir)).toEqual([]);
  });
});

/**
 * The fake engine, held until the test lets it go (so the CLI is seen following a task that
 * is still running), failing every text that contains "FAIL".
 */
class GatedEngine extends FakeTtsEngine {
  private open!: () => void;
  gate = new Promise<void>((resolve) => (this.open = resolve));

  release(): void {
    this.open();
  }

  async synthesize(
    request: SynthesisRequest,
    options?: SynthesisOptions,
  ): Promise<SynthesisResult> {
    await this.gate;
    if (request.text.includes('FAIL')) throw new SynthesisFailedError('engine said no');
    return super.synthesize(request, options);
  }
}

describe('storyflow-voice status (e2e, live server)', () => {
  const engine = new GatedEngine();
  const t = useTestApp({ overrides: [{ provide: TtsEngine, useValue: engine }] });
  let url: string;
  beforeAll(async () => {
    await t.app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
  });

  it('--follow shows the live task over the event stream and exits 0 on COMPLETED', async () => {
    const project = await t.http.importProject(['One.', 'Two.', 'Three.'], 'Follow');
    const taskId = (await t.http.post(`/api/projects/${project.id}/generate-all-audio/`, {})).json()
      .task_id;
    const run = startCli(['status', taskId, '--url', url, '--follow']);
    // The CLI has the running task's first snapshot before any segment is done.
    await run.waitForStderr(/^(PENDING|PROCESSING) 0\/3$/m);
    engine.release();
    const { code } = await run.exited;
    expect(run.stderr()).toMatch(/^(PENDING|PROCESSING) 0\/3\n(.*\n)*COMPLETED 3\/3\n$/);
    expect({ code, stdout: run.stdout() }).toEqual({
      code: 0,
      stdout: `${taskId} COMPLETED 3/3 segments (100%)\n`,
    });
  });

  it('exits 1 with the first error on one line when the task FAILED, followed or not', async () => {
    const project = await t.http.importProject(['FAIL one.', 'FAIL two.'], 'Doomed');
    const taskId = (await t.http.post(`/api/projects/${project.id}/generate-all-audio/`, {})).json()
      .task_id;
    const followed = await runCli(['status', taskId, '--url', url, '--follow']);
    expect(followed.code).toBe(1);
    expect(followed.stderr).toMatch(
      /\nstoryflow-voice: task \S+ FAILED: Speech synthesis failed \(and 1 more\)\n$/,
    );
    expect(followed.stdout).toBe('');
    const once = await runCli(['status', taskId, '--url', url]);
    expect(once.code).toBe(1);
    expect(once.stderr).toBe(
      `storyflow-voice: task ${taskId} FAILED: Speech synthesis failed (and 1 more)\n`,
    );
  });

  it('an unknown task or an unreachable server is one line and exit 1', async () => {
    const unknown = await runCli(['status', 'tts_nope', '--url', url, '--follow']);
    expect(unknown).toEqual({
      code: 1,
      stdout: '',
      stderr: 'storyflow-voice: server answered 404: Task not found\n',
    });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const unreachable = await runCli(['status', 'tts_x', '--url', `http://127.0.0.1:${port}`]);
    expect(unreachable).toEqual({
      code: 1,
      stdout: '',
      stderr: `storyflow-voice: cannot reach the server at http://127.0.0.1:${port} (ECONNREFUSED)\n`,
    });
  });
});

describe('storyflow-voice status --follow without an event stream (polling fallback)', () => {
  let server: Server;
  let url: string;
  const polls: string[] = [];
  const snapshots = ['PENDING', 'PROCESSING', 'PROCESSING', 'COMPLETED'].map((status, i) => ({
    task_id: 'tts_old',
    status,
    progress: { current: Math.min(i, 2), total: 2, percentage: Math.min(i, 2) * 50 },
    completed_segments: [],
    errors: [],
  }));
  beforeAll(async () => {
    // A server without the event stream (an older version, or a proxy that buffers it).
    server = createServer((req, res) => {
      if (req.url === '/api/tasks/tts_old/status/') {
        const snapshot = snapshots[Math.min(polls.length, snapshots.length - 1)];
        polls.push(snapshot.status);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(snapshot));
        return;
      }
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'no events here' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('polls the status until the task ends', async () => {
    // Every 0.1 s instead of every second (the default): the same polls, sooner.
    const { code, stdout, stderr } = await runCli([
      'status',
      'tts_old',
      '--url',
      url,
      '-f',
      '--interval',
      '0.1',
    ]);
    expect(polls).toEqual(['PENDING', 'PROCESSING', 'PROCESSING', 'COMPLETED']);
    expect(stderr).toBe('PENDING 0/2\nPROCESSING 1/2\nPROCESSING 2/2\nCOMPLETED 2/2\n');
    expect({ code, stdout }).toEqual({
      code: 0,
      stdout: 'tts_old COMPLETED 2/2 segments (100%)\n',
    });
  });
});

(hasCommand('tmux') ? describe : describe.skip)('progress bars in a terminal (tmux)', () => {
  const session = `sfv-${process.pid}`;
  afterEach(() => {
    try {
      execFileSync('tmux', ['kill-session', '-t', session], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  });

  it('renders the story and segment bars in place and updates them to 100%', async () => {
    writeFileSync(join(dir, 'long.txt'), LONG_STORY);
    const command = [...CLI_COMMAND, 'narrate', join(dir, 'long.txt'), '-o', join(dir, 'long.wav')]
      .map((arg) => `'${arg}'`)
      .join(' ');
    execFileSync('tmux', [
      'new-session',
      '-d',
      '-s',
      session,
      '-x',
      '150',
      '-y',
      '30',
      '-c',
      join(__dirname, '..'),
      `${command}; echo "EXIT=$?"; sleep 600`,
    ]);
    const screens: string[] = [];
    for (;;) {
      const screen = execFileSync('tmux', ['capture-pane', '-p', '-t', session], {
        encoding: 'utf8',
      });
      if (screen !== screens[screens.length - 1]) screens.push(screen);
      if (/EXIT=\d+/.test(screen)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const last = screens[screens.length - 1];
    expect(last).toMatch(/EXIT=0/);
    expect(last).toMatch(/Wrote .*long\.wav \(\d+\.\d s, 12 segments\)/);
    // Drawn in place: one story bar on the final screen, at 100 %.
    expect(last.match(/^Story /gm)).toHaveLength(1);
    expect(last).toMatch(/^Story +█+ 100% \| 12\/12 segments \| ETA/m);

    // Seen while it ran: the story bar part-way, with a segment bar and its ETA under it.
    const storyPercents = screens
      .map((screen) => /^Story +[█░]+ (\d+)% \| (\d+)\/12 segments/m.exec(screen))
      .filter((match) => match !== null)
      .map((match) => Number(match![1]));
    expect(storyPercents.some((p) => p > 0 && p < 100)).toBe(true);
    // Updated, never going back.
    expect([...storyPercents].sort((a, b) => a - b)).toEqual(storyPercents);
    expect(new Set(storyPercents).size).toBeGreaterThanOrEqual(3);
    expect(
      screens.some((screen) =>
        /^Segment \d+\/12 +[█░]+ \d+% \| Paragraph \d+\..* \| ETA /m.test(screen),
      ),
    ).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['long.txt', 'long.wav']);
  });
});
