import Fastify, { type FastifyReply } from 'fastify';
import { registerMultipart } from './multipart';

/** `close` listeners on the response when the handler runs: multipart's hook adds one. */
async function closeListeners(withMultipart: boolean) {
  const fastify = Fastify();
  if (withMultipart) await registerMultipart(fastify, {});
  const seen = (_request: unknown, reply: FastifyReply) =>
    reply.send({ listeners: reply.raw.listenerCount('close') });
  fastify.get('/poll', seen);
  fastify.post('/upload', seen);
  fastify.route({ method: ['GET', 'POST'], url: '/both', handler: seen });
  await fastify.ready();
  const count = async (method: 'GET' | 'POST', url: string) =>
    (await fastify.inject({ method, url })).json<{ listeners: number }>().listeners;
  const result = {
    poll: await count('GET', '/poll'),
    upload: await count('POST', '/upload'),
    both: await count('GET', '/both'),
  };
  await fastify.close();
  return result;
}

describe('registerMultipart', () => {
  it("puts @fastify/multipart's request hooks on routes with a body only", async () => {
    const plain = await closeListeners(false);
    const multipart = await closeListeners(true);
    expect(multipart.poll).toBe(plain.poll);
    expect(multipart.upload).toBe(plain.upload + 1);
    expect(multipart.both).toBe(plain.both + 1);
  });

  it('keeps the multipart parser and request decorators global', async () => {
    const fastify = Fastify();
    await registerMultipart(fastify, {});
    fastify.post('/upload', async (request) => {
      const file = await request.file();
      return { name: file?.filename, text: (await file?.toBuffer())?.toString() };
    });
    const boundary = 'XyZ';
    const body =
      `--${boundary}\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\n` +
      `Content-Type: text/plain\r\n\r\nhello\r\n--${boundary}--\r\n`;
    const res = await fastify.inject({
      method: 'POST',
      url: '/upload',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: body,
    });
    expect(res.json()).toEqual({ name: 'a.txt', text: 'hello' });
    await fastify.close();
  });
});
