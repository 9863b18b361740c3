import fc from 'fast-check';
import type { Fixture } from './api-state';
import {
  array,
  blankString,
  hostileString,
  JsonTree,
  jsonTree,
  longString,
  object,
  pathSegment,
  PROTOTYPE_KEYS,
  raw,
  str,
  strayId,
  toJson,
  unknownUuid,
  withSlash,
} from './arbitraries';
import type { FuzzRequest } from './fuzz-client';
import { JSON_HEADERS } from './routes';

/**
 * Requests that the contract says must be refused — a validation failure, an unknown id, a
 * locked segment, a broken order — to every route that can change something. Each is
 * refused by construction, so a batch of them must leave the stored state exactly as it was.
 * Valid fields ride along with the faulty one where they can, to catch a half-applied change.
 */
export function rejectedRequest(fixture: Fixture): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(
    createProject,
    importProject,
    createSegment(fixture),
    patchSegment(fixture),
    deleteSomething,
    removeAudio(fixture),
    reorder(fixture),
    importSegments(fixture),
    patchSettings,
    generateAudio(fixture),
    generateAllAudio(fixture),
    cancelTask,
  );
}

const VOICES = [
  'af_bella',
  'af_sarah',
  'af_nicole',
  'am_adam',
  'am_michael',
  'bf_emma',
  'bm_george',
];

/** A JSON value that is not a string: number, boolean, null, list or object. */
const notAString: fc.Arbitrary<JsonTree> = fc.oneof(
  fc.constantFrom('0', '1', '-1.5', '1e400', 'true', 'false', 'null').map(raw),
  fc.array(hostileString().map(str), { maxLength: 3 }).map(array),
  fc
    .array(fc.tuple(hostileString({ maxLength: 8 }), hostileString().map(str)), { maxLength: 3 })
    .map(object),
);

/** A string that is blank once trimmed, or not a string. */
const blankOrNotString = fc.oneof(blankString.map(str), notAString);

/** Text that stays non-blank after trimming. */
const someText = hostileString({ minLength: 1, maxLength: 40 }).map((text) => `x${text}x`);

/** Extra fields the DTOs do not know: stripped, never stored. */
const strayFields = fc.array(
  fc.tuple(
    fc.oneof(
      fc.constantFrom('id', 'created_at', 'status', 'sequence_index', 'audio_file', 'extra'),
      hostileString({ maxLength: 10 }),
    ),
    jsonTree([]),
  ),
  { maxLength: 3 },
);

/** An object body: stray fields, then the entries (last, so that they win a duplicate key). */
function body(entries: fc.Arbitrary<[string, JsonTree][]>): fc.Arbitrary<JsonTree> {
  return fc.tuple(strayFields, entries).map(([stray, own]) => object([...stray, ...own]));
}

/** A path segment for an id that names nothing. */
const strayPathId = pathSegment(strayId);

function jsonRequest(method: string, path: string, payload: JsonTree, slash: boolean): FuzzRequest {
  return {
    method,
    url: withSlash(path, slash),
    payload: toJson(payload),
    headers: { ...JSON_HEADERS },
  };
}

// --- projects ----------------------------------------------------------------------------------

/** A title that fails: missing, blank, not a string, longer than 200 characters. */
const badTitle: fc.Arbitrary<[string, JsonTree][]> = fc.oneof(
  fc.constant<[string, JsonTree][]>([]),
  blankOrNotString.map((value): [string, JsonTree][] => [['title', value]]),
  longString(201, 3000)
    .map((text) => `x${text.replace(/\s/g, 'y')}x`)
    .filter((title) => [...title].length > 200)
    .map((title): [string, JsonTree][] => [['title', str(title)]]),
  // Duplicate keys: the last one counts, as JSON.parse (and Python's json) read them.
  fc.tuple(someText, blankOrNotString).map(([good, bad]): [string, JsonTree][] => [
    ['title', str(good)],
    ['title', bad],
  ]),
);

const createProject = fc
  .tuple(body(badTitle), fc.boolean())
  .map(([payload, slash]) => jsonRequest('POST', '/api/projects', payload, slash));

/** A segment of a JSON import as the contract wants it. */
const goodSegment = fc
  .tuple(someText, fc.option(hostileString()))
  .map(([text, prompt]) =>
    object([
      ['text_content', str(text)],
      ...(prompt === null ? [] : [['image_prompt', str(prompt)] as [string, JsonTree]]),
    ]),
  );

/** A segment that fails: no text, blank text, text or prompt not a string, not an object. */
const badSegment: fc.Arbitrary<JsonTree> = fc.oneof(
  fc.constant(object([])),
  blankOrNotString.map((text) => object([['text_content', text]])),
  fc.tuple(someText, notAString).map(([text, prompt]) =>
    object([
      ['text_content', str(text)],
      ['image_prompt', prompt],
    ]),
  ),
  fc.oneof(hostileString().map(str), fc.constantFrom('null', '1', 'true', '[]').map(raw)),
  goodSegment.map((segment) => array([segment])),
);

/** A text-format story with a block that has no `Text:` line (or no block at all). */
const badRawText: fc.Arbitrary<JsonTree> = fc.oneof(
  blankOrNotString,
  fc
    .tuple(fc.array(someText, { maxLength: 3 }), hostileString({ maxLength: 30 }), fc.boolean())
    .map(([texts, prompt, before]) => {
      const good = texts.map((text) => `Text: ${text.replace(/[\r\n\u2028\u2029\u0085]/g, ' ')}`);
      const bad = `Prompt: ${prompt.replace(/[\r\n\u2028\u2029\u0085]/g, ' ')}`;
      return str((before ? [bad, ...good] : [...good, bad]).join('\n---\n'));
    }),
  fc
    .constantFrom('---', 'Text:', 'Text:   \nPrompt: p', 'text only, no marker', '\n---\n---\n')
    .map(str),
);

/** The body of an import (the title aside) with exactly one fault, or none when `valid`. */
function importBody(valid: boolean): fc.Arbitrary<[string, JsonTree][]> {
  if (valid) {
    return fc.oneof(
      fc
        .array(goodSegment, { minLength: 1, maxLength: 3 })
        .map((segments): [string, JsonTree][] => [
          ['format', str('json')],
          ['segments', array(segments)],
        ]),
      fc.array(someText, { minLength: 1, maxLength: 3 }).map((texts): [string, JsonTree][] => [
        ['format', str('text')],
        [
          'raw_text',
          str(
            texts
              .map((text) => `Text: ${text.replace(/[\r\n\u2028\u2029\u0085]/g, ' ')}`)
              .join('\n---\n'),
          ),
        ],
      ]),
    );
  }
  return fc.oneof(
    // An unknown format (case and spaces matter), or none.
    fc
      .tuple(
        fc.oneof(
          fc.constantFrom('JSON', 'Text', ' json', 'xml', 'csv', '', ...PROTOTYPE_KEYS).map(str),
          notAString,
        ),
        importBody(true),
      )
      .map(([format, rest]): [string, JsonTree][] => [
        ['format', format],
        ...rest.filter(([key]) => key !== 'format'),
      ]),
    importBody(true).map((rest) => rest.filter(([key]) => key !== 'format')),
    // JSON: segments not a list, empty, or with one faulty segment among good ones.
    fc
      .oneof(
        notAString.filter((value) => value.kind !== 'array'),
        fc.constant(array([])),
      )
      .map((segments): [string, JsonTree][] => [
        ['format', str('json')],
        ['segments', segments],
      ]),
    fc
      .tuple(fc.array(goodSegment, { maxLength: 3 }), badSegment, fc.nat())
      .map(([good, bad, at]): [string, JsonTree][] => {
        const segments = [...good];
        segments.splice(at % (good.length + 1), 0, bad);
        return [
          ['format', str('json')],
          ['segments', array(segments)],
        ];
      }),
    badRawText.map((text): [string, JsonTree][] => [
      ['format', str('text')],
      ['raw_text', text],
    ]),
  );
}

const importProject = fc
  .oneof(
    // A faulty story under a good title...
    fc
      .tuple(someText, importBody(false))
      .map(([title, rest]): [string, JsonTree][] => [['title', str(title)], ...rest]),
    // ...or a good story under a faulty title.
    fc
      .tuple(badTitle, importBody(true))
      .map(([title, rest]): [string, JsonTree][] => [...title, ...rest]),
  )
  .chain((entries) => fc.tuple(body(fc.constant(entries)), fc.boolean()))
  .map(([payload, slash]) => jsonRequest('POST', '/api/projects/import', payload, slash));

function importSegments(fixture: Fixture): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(
    // A faulty story to a real project: 400.
    fc
      .tuple(
        body(importBody(false)),
        fc.constantFrom(fixture.projectId, fixture.emptyProjectId),
        fc.boolean(),
      )
      .map(([payload, id, slash]) =>
        jsonRequest('POST', `/api/projects/${id}/import-segments`, payload, slash),
      ),
    // A good story to a project that does not exist: 404.
    fc
      .tuple(body(importBody(true)), strayPathId, fc.boolean())
      .map(([payload, id, slash]) =>
        jsonRequest('POST', `/api/projects/${id}/import-segments`, payload, slash),
      ),
  );
}

const deleteSomething = fc
  .tuple(fc.constantFrom('projects', 'segments'), strayPathId, fc.boolean())
  .map(([kind, id, slash]): FuzzRequest => ({
    method: 'DELETE',
    url: withSlash(`/api/${kind}/${id}`, slash),
  }));

// --- segments ----------------------------------------------------------------------------------

function createSegment(fixture: Fixture): fc.Arbitrary<FuzzRequest> {
  const good = fc.option(someText.map(str), { nil: undefined });
  const entries = fc.oneof(
    // No project, a project that is not a UUID, or one that does not exist.
    fc
      .tuple(fc.oneof(fc.constant(undefined), strayId.map(str), notAString), good)
      .map(([project, text]) => [
        ...(project === undefined ? [] : [['project', project] as [string, JsonTree]]),
        ...(text === undefined ? [] : [['text_content', text] as [string, JsonTree]]),
      ]),
    // A real project, and a text or prompt that is not a string.
    fc
      .tuple(fc.constantFrom('text_content', 'image_prompt'), notAString, good)
      .map(([field, bad, text]): [string, JsonTree][] => [
        ['project', str(fixture.projectId)],
        ...(text === undefined || field === 'text_content'
          ? []
          : [['text_content', text] as [string, JsonTree]]),
        [field, bad],
      ]),
  );
  return fc
    .tuple(body(entries), fc.boolean())
    .map(([payload, slash]) => jsonRequest('POST', '/api/segments', payload, slash));
}

function patchSegment(fixture: Fixture): fc.Arbitrary<FuzzRequest> {
  const notABoolean = fc.oneof(
    fc.constantFrom('0', '1', '"true"', '"false"', 'null', '[]', '{}').map(raw),
    hostileString().map(str),
  );
  return fc
    .oneof(
      // An unlocked segment, one faulty field among good ones.
      fc
        .tuple(
          fc.constantFrom(fixture.spokenId, fixture.silentId),
          fc.constantFrom('text_content', 'image_prompt', 'is_locked'),
          someText,
          fc.boolean(),
        )
        .chain(([id, field, text, lock]) =>
          (field === 'is_locked' ? notABoolean : notAString).map((bad) => {
            const entries: [string, JsonTree][] = [
              ['text_content', str(text)],
              ['is_locked', raw(String(lock))],
            ];
            return {
              id,
              entries: [
                ...entries.filter(([key]) => key !== field),
                [field, bad] as [string, JsonTree],
              ],
            };
          }),
        )
        .chain(({ id, entries }) =>
          fc.tuple(fc.constant(id), body(fc.constant(entries)), fc.boolean()),
        ),
      // The locked segment, a patch that changes its content (unlocking in the same patch or not).
      fc
        .tuple(
          fc.constantFrom('text_content', 'image_prompt'),
          someText.filter((text) => text.trim() !== fixture.lockedText),
          fc.constantFrom(undefined, 'true', 'false'),
        )
        .map(([field, text, lock]): [string, JsonTree][] => [
          [field, str(`changed ${text}`)],
          ...(lock === undefined ? [] : [['is_locked', raw(lock)] as [string, JsonTree]]),
        ])
        .chain((entries) =>
          fc.tuple(fc.constant(fixture.lockedId), body(fc.constant(entries)), fc.boolean()),
        ),
      // A segment that does not exist, whatever the patch.
      fc.tuple(strayPathId, jsonTree(['text_content', 'image_prompt', 'is_locked']), fc.boolean()),
    )
    .map(([id, payload, slash]) => jsonRequest('PATCH', `/api/segments/${id}`, payload, slash));
}

function removeAudio(fixture: Fixture): fc.Arbitrary<FuzzRequest> {
  // The locked one is locked; the others have no audio (nothing is generated in this app).
  return fc
    .tuple(fc.oneof(fc.constantFrom(...fixture.segmentIds), strayPathId), fc.boolean())
    .map(([id, slash]): FuzzRequest => ({
      method: 'DELETE',
      url: withSlash(`/api/segments/${id}/remove-audio`, slash),
    }));
}

function reorder(fixture: Fixture): fc.Arbitrary<FuzzRequest> {
  const ids = fixture.segmentIds;
  /** Every id once, then broken: one missing, one twice, or a stranger added. */
  const brokenOrder = fc
    .tuple(
      fc.shuffledSubarray(ids, { minLength: ids.length }),
      fc.constantFrom('drop', 'twice', 'stranger', 'swap'),
      fc.nat(),
      fc.oneof(unknownUuid, hostileString()),
    )
    .map(([order, fault, at, stranger]) => {
      const i = at % order.length;
      if (fault === 'drop') return order.filter((_, j) => j !== i);
      if (fault === 'twice') return [...order, order[i]];
      if (fault === 'stranger') return [...order.slice(0, i), stranger, ...order.slice(i)];
      return order.map((id, j) => (j === i ? stranger : id));
    })
    .map((order) => array(order.map(str)));
  const entries = fc.oneof(
    brokenOrder.map((order): [string, JsonTree][] => [
      ['project_id', str(fixture.projectId)],
      ['segment_order', order],
    ]),
    // Not a list of strings.
    fc
      .oneof(
        notAString.filter((value) => value.kind !== 'array'),
        fc.array(notAString, { minLength: 1, maxLength: 3 }).map(array),
      )
      .map((order): [string, JsonTree][] => [
        ['project_id', str(fixture.projectId)],
        ['segment_order', order],
      ]),
    // The empty project, with ids it does not have.
    fc
      .array(fc.oneof(fc.constantFrom(...ids), unknownUuid), { minLength: 1, maxLength: 3 })
      .map((order): [string, JsonTree][] => [
        ['project_id', str(fixture.emptyProjectId)],
        ['segment_order', array(order.map(str))],
      ]),
    // No project, a project that is not a UUID, or one that does not exist, with the real order.
    fc
      .oneof(fc.constant(undefined), strayId.map(str), notAString)
      .map((project): [string, JsonTree][] => [
        ...(project === undefined ? [] : [['project_id', project] as [string, JsonTree]]),
        ['segment_order', array(ids.map(str))],
      ]),
  );
  return fc
    .tuple(body(entries), fc.boolean())
    .map(([payload, slash]) => jsonRequest('POST', '/api/segments/reorder', payload, slash));
}

// --- settings ------------------------------------------------------------------------------------

const badVoice: fc.Arbitrary<JsonTree> = fc.oneof(
  fc
    .constantFrom(
      ...VOICES.map((v) => v.toUpperCase()),
      ...VOICES.map((v) => ` ${v}`),
      'af_',
      'af_bella\u0000',
      'kokoro',
      '',
      ...PROTOTYPE_KEYS,
    )
    .map(str),
  // Not even shaped like a voice id: an id-shaped string might be one the engine offers.
  hostileString()
    .filter((text) => !/^[A-Za-z0-9_.-]{1,100}$/.test(text))
    .map(str),
  notAString,
);

const badSpeed: fc.Arbitrary<JsonTree> = fc.oneof(
  fc
    .constantFrom(
      '0',
      '0.49999999999999994',
      '2.0000000000000004',
      '-1',
      '1e400',
      '-1e400',
      '3',
      'null',
      '"1.0"',
      '"fast"',
      'true',
      '[1]',
      '{}',
    )
    .map(raw),
  fc
    .double({ noNaN: true, noDefaultInfinity: true })
    .filter((x) => !(x >= 0.5 && x <= 2))
    .map((x) => raw(JSON.stringify(x))),
);

/** A patch with at least one faulty field; the other, when present, is a valid change. */
const patchSettings = fc
  .tuple(
    fc.constantFrom('voice', 'speed', 'both'),
    badVoice,
    badSpeed,
    fc.option(fc.constantFrom(...VOICES)),
    fc.option(fc.double({ min: 0.5, max: 2, noNaN: true })),
  )
  .map(([fault, voice, speed, goodVoice, goodSpeed]): [string, JsonTree][] => {
    const entries: [string, JsonTree][] = [];
    if (fault !== 'speed') entries.push(['default_voice_id', voice]);
    else if (goodVoice !== null) entries.push(['default_voice_id', str(goodVoice)]);
    if (fault !== 'voice') entries.push(['tts_speed', speed]);
    else if (goodSpeed !== null) entries.push(['tts_speed', raw(JSON.stringify(goodSpeed))]);
    return entries;
  })
  .chain((entries) => fc.tuple(body(fc.constant(entries)), fc.boolean()))
  .map(([payload, slash]) => jsonRequest('PATCH', '/api/settings', payload, slash));

// --- generation and tasks --------------------------------------------------------------------------

function generateAudio(fixture: Fixture): fc.Arbitrary<FuzzRequest> {
  // Locked: 409. Empty text: 400. Unknown: 404. (The spoken segment would be accepted.)
  return fc
    .tuple(
      fc.oneof(fc.constantFrom(fixture.lockedId, fixture.silentId), strayPathId),
      fc.option(jsonTree([])),
      fc.boolean(),
    )
    .map(([id, payload, slash]): FuzzRequest => ({
      method: 'POST',
      url: withSlash(`/api/segments/${id}/generate-audio`, slash),
      ...(payload === null ? {} : { payload: toJson(payload), headers: { ...JSON_HEADERS } }),
    }));
}

function generateAllAudio(fixture: Fixture): fc.Arbitrary<FuzzRequest> {
  const notABoolean = fc.oneof(
    fc.constantFrom('0', '1', '"true"', '"yes"', 'null', '[]', '{}').map(raw),
    hostileString().map(str),
  );
  const badBody = fc.oneof(
    fc
      .tuple(fc.constantFrom('skip_locked', 'force_regenerate'), notABoolean, fc.boolean())
      .map(([field, bad, other]): [string, JsonTree][] => [
        [field === 'skip_locked' ? 'force_regenerate' : 'skip_locked', raw(String(other))],
        [field, bad],
      ])
      .chain((entries) => body(fc.constant(entries))),
    // Not an object at all.
    fc.oneof(hostileString().map(str), fc.constantFrom('1', 'true', '[]', '[{}]').map(raw)),
  );
  return fc.oneof(
    fc
      .tuple(badBody, fc.constantFrom(fixture.projectId, fixture.emptyProjectId), fc.boolean())
      .map(([payload, id, slash]) =>
        jsonRequest('POST', `/api/projects/${id}/generate-all-audio`, payload, slash),
      ),
    fc
      .tuple(jsonTree(['skip_locked', 'force_regenerate']), strayPathId, fc.boolean())
      .map(([payload, id, slash]) =>
        jsonRequest('POST', `/api/projects/${id}/generate-all-audio`, payload, slash),
      ),
  );
}

const cancelTask = fc
  .tuple(
    pathSegment(
      hostileString({ minLength: 1, maxLength: 60 }).filter((id) => id !== '.' && id !== '..'),
    ),
    fc.boolean(),
  )
  .map(([id, slash]): FuzzRequest => ({
    method: 'POST',
    url: withSlash(`/api/tasks/${id}/cancel`, slash),
  }));
