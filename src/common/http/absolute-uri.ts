import type { FastifyRequest } from 'fastify';

/** host, host:port, IPv4 or [IPv6] with an optional port; anything else is not echoed back. */
const VALID_HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * `scheme://host` of a request, as Django's `build_absolute_uri` sees it: the connection's
 * protocol and the Host header (proxy headers are trusted only if Fastify's `trustProxy`
 * is on). A missing or malformed Host falls back to `localhost` rather than being copied
 * into links, and so does one the URL parser refuses although it has the right shape
 * (`localhost:99999`, `a.1`, `[:::]`): pagination links are built with `new URL()`.
 */
export function requestOrigin(request: FastifyRequest): string {
  // A trusted proxy's X-Forwarded-Proto is taken as sent: anything but https is http here.
  const protocol = request.protocol === 'https' ? 'https' : 'http';
  const host =
    VALID_HOST.test(request.host) && URL.canParse(`${protocol}://${request.host}/`)
      ? request.host
      : 'localhost';
  return `${protocol}://${host}`;
}

/**
 * Absolute URL of `pathAndQuery` on the host the request came to; without a path, the
 * request's own URL (path and query string as received).
 */
export function absoluteUri(request: FastifyRequest, pathAndQuery: string = request.url): string {
  // Concatenated, not resolved: a path such as `//other.host/x` must stay a path.
  return `${requestOrigin(request)}/${pathAndQuery.replace(/^\/+/, '')}`;
}

/** Sets one query parameter, keys sorted, as DRF's `replace_query_param`. */
export function replaceQueryParam(url: string, key: string, value: string | number): string {
  const parsed = new URL(url);
  parsed.searchParams.set(key, String(value));
  parsed.searchParams.sort();
  return parsed.toString();
}

/** Removes one query parameter, keys sorted, as DRF's `remove_query_param`. */
export function removeQueryParam(url: string, key: string): string {
  const parsed = new URL(url);
  parsed.searchParams.delete(key);
  parsed.searchParams.sort();
  return parsed.toString();
}

/** The last value of a query parameter, as Django's `QueryDict.get` returns it. */
export function lastQueryValue(value: unknown): string | undefined {
  const last = Array.isArray(value) ? value[value.length - 1] : value;
  return typeof last === 'string' ? last : undefined;
}
