import {
  ArgumentsHost,
  Catch,
  Controller,
  ExceptionFilter,
  Get,
  Headers,
  Param,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import Fastify, { type FastifyReply } from 'fastify';
import { serveDirectly } from './direct-route';

class Missing extends Error {}

@Catch(Missing)
class MissingFilter implements ExceptionFilter {
  catch(_error: Missing, host: ArgumentsHost): void {
    host.switchToHttp().getResponse<FastifyReply>().code(404).send({ error: 'missing' });
  }
}

@Controller('things')
@UseFilters(MissingFilter)
class ThingsController {
  calls = 0;

  @Get(':id/state')
  state(
    @Param('id') id: string,
    @Headers('x-probe') probe: string | undefined,
    @Res() reply: FastifyReply,
  ): void {
    this.calls++;
    if (id === 'missing') throw new Missing();
    if (id === 'broken') throw new Error('broken');
    reply.send({ id, probe: probe ?? null });
  }

  @Get(':id/guarded')
  @UseGuards({ canActivate: () => true })
  guarded(@Res() reply: FastifyReply): void {
    reply.send('guarded');
  }

  @Get(':id/returns')
  returns(@Param('id') id: string): string {
    return id;
  }
}

async function appWith(controller: ThingsController) {
  const fastify = Fastify();
  serveDirectly(fastify, controller, 'state', 'api');
  fastify.setErrorHandler((error, _request, reply) => {
    void reply.code(500).send({ error: `handled: ${(error as Error).message}` });
  });
  // What Nest declares: the same route, its own (here: failing) handler.
  fastify.get('/api/things/:id/state', () => {
    throw new Error('the Nest handler ran');
  });
  await fastify.ready();
  return fastify;
}

describe('serveDirectly', () => {
  it('calls the controller method with its @Param, @Headers and @Res arguments', async () => {
    const controller = new ThingsController();
    const fastify = await appWith(controller);
    const res = await fastify.inject({ url: '/api/things/7/state', headers: { 'x-probe': 'p' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ id: '7', probe: 'p' });
    expect(controller.calls).toBe(1);
    await fastify.close();
  });

  it("answers errors with the controller's filters, others with the app's error handler", async () => {
    const fastify = await appWith(new ThingsController());
    const missing = await fastify.inject({ url: '/api/things/missing/state' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: 'missing' });
    const broken = await fastify.inject({ url: '/api/things/broken/state' });
    expect(broken.statusCode).toBe(500);
    expect(broken.json()).toEqual({ error: 'handled: broken' });
    await fastify.close();
  });

  it('refuses a method with guards, one that does not answer through @Res(), or no such route', async () => {
    const controller = new ThingsController();
    expect(() => serveDirectly(Fastify(), controller, 'guarded', 'api')).toThrow(/__guards__/);
    expect(() => serveDirectly(Fastify(), controller, 'returns', 'api')).toThrow(/@Res\(\)/);
    const fastify = Fastify();
    serveDirectly(fastify, controller, 'state', 'api');
    await expect(fastify.ready()).rejects.toThrow('No route GET /api/things/:id/state');
  });
});
