import fc from 'fast-check';

/**
 * Generators of hostile input: strings with every kind of code point (NUL, controls, lone
 * surrogates, bidi marks, emoji), ids that are not ids, path segments with broken
 * percent-encoding, query strings, and JSON bodies written as raw text (so that keys such as
 * `__proto__` survive: a JS object literal would drop them).
 */

/** Keys that have meant prototype pollution somewhere. */
export const PROTOTYPE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  'isPrototypeOf',
] as const;

/** Text that would look like a leak in an answer; generated strings never contain it. */
const LEAK_LIKE = /\/work\/|node_modules|storyflow-test-|at .*\.(ts|js):\d+/;

/** Characters JS's `trim()` (and Python's `strip()`) remove. */
export const WHITESPACE = [
  ' ',
  '\t',
  '\n',
  '\r',
  '\v',
  '\f',
  '\u00a0',
  '\u2003',
  '\u2028',
  '\u3000',
  '\ufeff',
];

const loneSurrogate = fc
  .integer({ min: 0xd800, max: 0xdfff })
  .map((unit) => String.fromCharCode(unit));

const oddCharacter = fc.constantFrom(
  '\u0000',
  '\u0001',
  '\u001f',
  '\u007f',
  '\u0085',
  '"',
  "'",
  '\\',
  '/',
  '%',
  '?',
  '#',
  '&',
  '=',
  '+',
  ';',
  ',',
  '.',
  '..',
  '<',
  '>',
  '`',
  '{',
  '}',
  '[',
  ']',
  '$',
  '*',
  '~',
  '\u202e',
  '\u200b',
  '\u200d',
  '\ufeff',
  '\ufffd',
  '\uffff',
  'İ',
  'ß',
  'ﬁ',
  'é',
  'é',
  '👩‍👩‍👧',
  '🏳️‍🌈',
  '\u{10ffff}',
  '\u{1f600}',
  '😀',
  '中',
  'ع',
  'Ω',
  ...WHITESPACE,
);

/** One "character": mostly printable, often something a parser or a database may choke on. */
const hostileUnit: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: oddCharacter },
  { weight: 1, arbitrary: loneSurrogate },
);

/** A string of hostile characters. */
export function hostileString(constraints: { minLength?: number; maxLength?: number } = {}) {
  return fc
    .string({
      unit: hostileUnit,
      minLength: constraints.minLength ?? 0,
      maxLength: constraints.maxLength ?? 40,
    })
    .filter((text) => !LEAK_LIKE.test(text));
}

/** A string made only of whitespace (blank once trimmed). */
export const blankString = fc
  .array(fc.constantFrom(...WHITESPACE), { maxLength: 6 })
  .map((parts) => parts.join(''));

/** A long string: `chunk` repeated up to about `maxLength` characters. */
export function longString(minLength: number, maxLength: number): fc.Arbitrary<string> {
  return fc
    .tuple(
      hostileString({ minLength: 1, maxLength: 8 }),
      fc.integer({ min: minLength, max: maxLength }),
    )
    .map(([chunk, length]) => chunk.repeat(Math.ceil(length / chunk.length)).slice(0, length))
    .filter((text) => !LEAK_LIKE.test(text));
}

/** A UUID no row has (fast-check's UUIDs, any version, are never the server's random v4). */
export const unknownUuid = fc.uuid();

/** Something in the place of an id that names nothing: unknown UUIDs and non-UUIDs alike. */
export const strayId: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: unknownUuid },
  { weight: 1, arbitrary: unknownUuid.map((id) => id.toUpperCase()) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(unknownUuid, fc.constantFrom('{%s}', ' %s', '%s ', '%s\u0000', 'urn:uuid:%s', '%s/x'))
      .map(([id, pattern]) => pattern.replace('%s', id)),
  },
  { weight: 1, arbitrary: unknownUuid.map((id) => id.replace(/-/g, '')) },
  { weight: 1, arbitrary: unknownUuid.map((id) => id.slice(0, 35)) },
  { weight: 2, arbitrary: fc.constantFrom(...PROTOTYPE_KEYS) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'null',
      'undefined',
      'NaN',
      'Infinity',
      '0',
      '-1',
      '1e309',
      'true',
      '[]',
      '{}',
      '...',
      '%',
      '%%',
      '*',
      'tts_',
      'tts_batch_',
      'last',
      '1 OR 1=1',
      "'; DROP TABLE projects; --",
    ),
  },
  { weight: 3, arbitrary: hostileString({ minLength: 1, maxLength: 60 }) },
  { weight: 1, arbitrary: longString(100, 6000) },
);

/** A lone (unpaired) UTF-16 surrogate: it cannot travel as UTF-8. */
export const LONE_SURROGATE =
  /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * A stray id, percent-encoded, that the router can match: valid UTF-8, not a dot segment,
 * within the router's 4,096 characters. Requests with it reach their route's handler (and
 * its hooks and pipes), whatever the id.
 */
export const routableStrayId: fc.Arbitrary<string> = strayId
  .filter((id) => !LONE_SURROGATE.test(id) && id !== '.' && id !== '..' && id.length <= 4096)
  .map(percentEncode);

/** A header value Node will send: printable ASCII (and tab) only. */
const headerText = (maxLength: number) =>
  hostileString({ maxLength }).filter((text) => /^[\t\x20-\x7e]*$/.test(text));

/** Host names that look right to a pattern but are not URL authorities, and worse. */
const oddHost = fc.oneof(
  headerText(40),
  fc.constantFrom(
    '',
    'localhost',
    'localhost:8000',
    'localhost:99999',
    'localhost:0',
    'localhost:65536',
    'a.1',
    '1.2.3.999',
    '1.2.3.4.5',
    '0x7f.1',
    '999',
    '[::1]',
    '[::1]:8000',
    '[:::]',
    '[zz]',
    'h:80:90',
    'a..b',
    '-a',
    'xn--',
    'EXAMPLE.COM',
    'evil.example/x',
    'a b',
    'host:port',
    '*',
    '.',
    '..',
    `${'a'.repeat(64)}.example`,
    'x'.repeat(300),
  ),
);

/** Headers a client or a proxy may send: Host, X-Forwarded-*, X-Request-Id, Accept... */
export const oddHeaders: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    host: oddHost,
    'x-forwarded-host': oddHost,
    'x-forwarded-proto': fc.oneof(
      headerText(12),
      fc.constantFrom(
        'http',
        'https',
        'HTTPS',
        'javascript',
        'ftp',
        'https, http',
        'http,https',
        '',
      ),
    ),
    'x-forwarded-for': fc.oneof(
      headerText(40),
      fc.constantFrom('127.0.0.1', '::1', '10.0.0.1, 127.0.0.1', 'unknown', '999.1.1.1'),
    ),
    'x-request-id': headerText(200),
    accept: fc.constantFrom(
      '*/*',
      'text/html',
      'application/xml',
      'text/event-stream',
      'application/json;q=0',
      '',
    ),
    origin: fc.constantFrom('http://localhost:3000', 'null', 'http://evil.example', ''),
  },
  { requiredKeys: [] },
);

/** Every HTTP method, odd ones included. */
export const ODD_METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
  'TRACE',
  'PROPFIND',
  'PROPPATCH',
  'MKCOL',
  'COPY',
  'MOVE',
  'LOCK',
  'UNLOCK',
  'SEARCH',
  'REPORT',
  'MKCALENDAR',
  'PURGE',
  'QUERY',
  'LINK',
  'UNLINK',
  'SUBSCRIBE',
  'NOTIFY',
  'ACL',
  'BIND',
  'REBIND',
  'UNBIND',
  'M-SEARCH',
] as const;

// ---------------------------------------------------------------------------------------------
// URLs

/** UTF-8 bytes of a string, lone surrogates encoded as WTF-8 (3 bytes that are not UTF-8). */
export function wtf8(text: string): Buffer {
  const bytes: number[] = [];
  for (const character of text) {
    const point = character.codePointAt(0)!;
    if (point < 0x80) bytes.push(point);
    else if (point < 0x800) bytes.push(0xc0 | (point >> 6), 0x80 | (point & 0x3f));
    else if (point < 0x10000) {
      bytes.push(0xe0 | (point >> 12), 0x80 | ((point >> 6) & 0x3f), 0x80 | (point & 0x3f));
    } else {
      bytes.push(
        0xf0 | (point >> 18),
        0x80 | ((point >> 12) & 0x3f),
        0x80 | ((point >> 6) & 0x3f),
        0x80 | (point & 0x3f),
      );
    }
  }
  return Buffer.from(bytes);
}

/** Percent-encodes every byte but RFC 3986's unreserved ones (a lone surrogate stays broken). */
export function percentEncode(text: string): string {
  let out = '';
  for (const byte of wtf8(text)) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(char)
      ? char
      : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Percent-escapes that do not decode to UTF-8 text, and other broken escapes. */
const brokenEscape = fc.constantFrom(
  '%',
  '%%',
  '%G1',
  '%1',
  '%ff',
  '%FE',
  '%c0%af',
  '%ed%a0%80',
  '%e2%82',
  '%80',
  '%00',
  '%2',
  '%zz',
);

/**
 * A path segment carrying `text`: percent-encoded, or with a broken escape spliced in
 * (one time in five).
 */
export function pathSegment(text: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: text.map(percentEncode) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(text.map(percentEncode), brokenEscape, fc.nat())
        .map(([encoded, escape, at]) => {
          const cut = encoded.length === 0 ? 0 : at % (encoded.length + 1);
          return encoded.slice(0, cut) + escape + encoded.slice(cut);
        }),
    },
  );
}

const queryKey = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom('page', 'project', 'status', 'format', 'limit', 'offset'),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      ...PROTOTYPE_KEYS,
      'page[]',
      'page[0]',
      'page.x',
      '__proto__[polluted]',
      'constructor[prototype][polluted]',
      '__proto__.polluted',
      'a[__proto__][polluted]',
    ),
  },
  { weight: 1, arbitrary: hostileString({ maxLength: 12 }) },
);

const queryValue = fc.oneof(
  { weight: 3, arbitrary: hostileString({ maxLength: 30 }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '',
      '0',
      '1',
      '2',
      '-1',
      '+1',
      ' 1 ',
      '1.5',
      '1e3',
      '0x10',
      'last',
      'LAST',
      '99999999999999999999',
      'NaN',
      'true',
      'PENDING',
      'pending',
      'FAILED',
      'COMPLETED',
      'PROCESSING',
    ),
  },
  { weight: 2, arbitrary: unknownUuid },
  { weight: 1, arbitrary: longString(100, 3000) },
);

/** A query string (with its `?`), possibly empty, with repeated and broken parameters. */
export const queryString: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      {
        weight: 6,
        arbitrary: fc
          .tuple(queryKey, queryValue)
          .map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`),
      },
      { weight: 1, arbitrary: queryKey.map(percentEncode) },
      {
        weight: 1,
        arbitrary: fc.tuple(queryKey, brokenEscape).map(([k, e]) => `${percentEncode(k)}=${e}`),
      },
      { weight: 1, arbitrary: fc.constantFrom('&', '=', '==', '&&', 'a=1=2', ';') },
    ),
    { maxLength: 5 },
  )
  .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.join('&')}`));

/** `path` with or without the trailing slash. */
export function withSlash(path: string, slash: boolean): string {
  return slash ? `${path}/` : path;
}

// ---------------------------------------------------------------------------------------------
// JSON written as text

/** A JSON value as a tree, serialized by hand so that any key (`__proto__`) and any token survive. */
export type JsonTree =
  | { kind: 'raw'; text: string }
  | { kind: 'array'; items: JsonTree[] }
  | { kind: 'object'; entries: [string, JsonTree][] };

export function raw(text: string): JsonTree {
  return { kind: 'raw', text };
}
export function str(value: string): JsonTree {
  return raw(JSON.stringify(value));
}
export function array(items: JsonTree[]): JsonTree {
  return { kind: 'array', items };
}
export function object(entries: [string, JsonTree][]): JsonTree {
  return { kind: 'object', entries };
}

/** JSON text of a tree; `JSON.stringify` escapes lone surrogates as `\udxxx`. */
export function toJson(tree: JsonTree): string {
  switch (tree.kind) {
    case 'raw':
      return tree.text;
    case 'array':
      return `[${tree.items.map(toJson).join(',')}]`;
    case 'object':
      return `{${tree.entries.map(([key, value]) => `${JSON.stringify(key)}:${toJson(value)}`).join(',')}}`;
  }
}

/** Numbers JSON allows that JS and SQLite may not hold as written. */
const oddNumber = fc.constantFrom(
  '0',
  '-0',
  '1',
  '-1',
  '0.5',
  '2',
  '2.0000000000000004',
  '0.49999999999999994',
  '1e400',
  '-1e400',
  '1e-400',
  '123456789012345678901234567890',
  '9007199254740993',
  '0.1e1',
  '1E2',
  '-0.0',
);

/** Any JSON scalar, as text. */
export const jsonScalar: fc.Arbitrary<JsonTree> = fc.oneof(
  { weight: 4, arbitrary: hostileString().map(str) },
  { weight: 1, arbitrary: blankString.map(str) },
  {
    weight: 2,
    arbitrary: fc
      .oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }))
      .map((n) => raw(JSON.stringify(n))),
  },
  { weight: 2, arbitrary: oddNumber.map(raw) },
  { weight: 2, arbitrary: fc.constantFrom('true', 'false', 'null').map(raw) },
  { weight: 1, arbitrary: unknownUuid.map(str) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('json', 'text', 'af_bella', 'am_adam', 'Text: x', '---').map(str),
  },
);

/** Object keys: mostly the API's field names, sometimes anything at all. */
export function jsonKey(fields: readonly string[], protoWeight = 0): fc.Arbitrary<string> {
  const options: fc.WeightedArbitrary<string>[] = [
    { weight: 2, arbitrary: hostileString({ maxLength: 12 }) },
  ];
  if (fields.length > 0) options.push({ weight: 6, arbitrary: fc.constantFrom(...fields) });
  if (protoWeight > 0)
    options.push({ weight: protoWeight, arbitrary: fc.constantFrom(...PROTOTYPE_KEYS) });
  return fc.oneof(...options);
}

/** Any JSON value, a few levels deep, with keys drawn from `fields`. */
export function jsonTree(fields: readonly string[], protoWeight = 0): fc.Arbitrary<JsonTree> {
  const key = jsonKey(fields, protoWeight);
  const { value } = fc.letrec<{ value: JsonTree; array: JsonTree; object: JsonTree }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { weight: 3, arbitrary: jsonScalar },
      { weight: 1, arbitrary: tie('array') },
      { weight: 1, arbitrary: tie('object') },
    ),
    array: fc.array(tie('value'), { maxLength: 4 }).map(array),
    object: fc.array(fc.tuple(key, tie('value')), { maxLength: 5 }).map(object),
  }));
  return value;
}

/** A body for a route with these fields: an object of them (and strays), or any JSON value. */
export function jsonBody(fields: readonly string[], protoWeight = 0): fc.Arbitrary<JsonTree> {
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .array(fc.tuple(jsonKey(fields, protoWeight), jsonTree(fields, protoWeight)), {
          maxLength: 6,
        })
        .map(object),
    },
    { weight: 1, arbitrary: jsonTree(fields, protoWeight) },
  );
}

/** Nesting `depth` levels deep around `inner`: arrays, objects, or both in turn. */
export function nested(depth: number, style: 'array' | 'object' | 'mixed', inner: string): string {
  const open = (level: number) =>
    style === 'array' || (style === 'mixed' && level % 2 === 0) ? '[' : '{"a":';
  const close = (level: number) =>
    style === 'array' || (style === 'mixed' && level % 2 === 0) ? ']' : '}';
  const opens: string[] = [];
  const closes: string[] = [];
  for (let level = 0; level < depth; level++) {
    opens.push(open(level));
    closes.push(close(level));
  }
  return opens.join('') + inner + closes.reverse().join('');
}
