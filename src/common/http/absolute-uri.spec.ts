import type { FastifyRequest } from 'fastify';
import { absoluteUri, removeQueryParam, replaceQueryParam, requestOrigin } from './absolute-uri';

const request = (host: string | undefined, url = '/api/x/', protocol = 'http') =>
  ({ host: host ?? '', url, protocol }) as unknown as FastifyRequest;

describe('absolute URIs', () => {
  it.each([
    ['localhost:8000', 'http://localhost:8000'],
    ['example.com', 'http://example.com'],
    ['127.0.0.1:9000', 'http://127.0.0.1:9000'],
    ['[::1]:8000', 'http://[::1]:8000'],
    [undefined, 'http://localhost'],
    ['evil.com/<script>', 'http://localhost'],
    ['a b', 'http://localhost'],
    ['host:port', 'http://localhost'],
    // The right shape, but no URL: a port beyond 65535, a bad IPv4 or IPv6 address.
    ['localhost:99999', 'http://localhost'],
    ['a.1', 'http://localhost'],
    ['1.2.3.999', 'http://localhost'],
    ['[:::]', 'http://localhost'],
  ])('Host %j gives the origin %s', (host, origin) => {
    expect(requestOrigin(request(host))).toBe(origin);
  });

  it('keeps the protocol of the connection', () => {
    expect(requestOrigin(request('h', '/', 'https'))).toBe('https://h');
  });

  it('takes any other protocol (a trusted X-Forwarded-Proto) for http', () => {
    expect(requestOrigin(request('h', '/', 'javascript'))).toBe('http://h');
    expect(requestOrigin(request('h', '/', 'a b'))).toBe('http://h');
  });

  it('builds the URL of the request itself, or of a path', () => {
    expect(absoluteUri(request('h:1', '/api/p/?page=2'))).toBe('http://h:1/api/p/?page=2');
    expect(absoluteUri(request('h:1'), '/media/a.wav')).toBe('http://h:1/media/a.wav');
    expect(absoluteUri(request('h:1'), '//other.host/x')).toBe('http://h:1/other.host/x');
  });

  it('replaces and removes a query parameter, keys sorted, like DRF', () => {
    expect(replaceQueryParam('http://h/a/?project=p', 'page', 2)).toBe(
      'http://h/a/?page=2&project=p',
    );
    expect(replaceQueryParam('http://h/a/?page=1&page=5', 'page', 2)).toBe('http://h/a/?page=2');
    expect(removeQueryParam('http://h/a/?project=p&page=2', 'page')).toBe('http://h/a/?project=p');
    expect(removeQueryParam('http://h/a/?page=2', 'page')).toBe('http://h/a/');
  });
});
