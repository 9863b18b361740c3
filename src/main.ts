import { describeError } from './common/errors/describe-error';
import { Logger } from '@nestjs/common';
import { createApp } from './app.setup';
import { loadAppConfig } from './config/app.config';

/** Seconds a shutdown may take beyond SHUTDOWN_GRACE_SECONDS (recording tasks, closing). */
const SHUTDOWN_MARGIN_SECONDS = 10;

async function bootstrap(): Promise<void> {
  // The one place that reads the environment; it throws a readable error on a bad value.
  const config = loadAppConfig(process.env);
  const app = await createApp({ config });
  const { port, host } = config;
  await app.listen(port, host);
  const logger = new Logger('Bootstrap');
  logger.log(`StoryFlow Voice listening on http://${host}:${port} (docs: /api/docs)`);

  // Nest's enableShutdownHooks() re-raises the signal after closing, so the process would
  // end "killed by SIGTERM". A graceful stop is a normal exit: close (new tasks refused,
  // in-flight segments finished, tasks recorded, database closed), then exit 0.
  // A close that cannot finish (Redis unreachable: BullMQ's worker waits for it to hand its
  // jobs back) must not keep the process alive: past the grace period and a margin it exits 1.
  // The jobs it held are redelivered once their lock expires (JOB_LOCK_SECONDS).
  const deadlineSeconds = config.shutdownGraceSeconds + SHUTDOWN_MARGIN_SECONDS;
  let closing = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (closing) return;
      closing = true;
      logger.log(`${signal} received: shutting down`);
      setTimeout(() => {
        logger.error(
          `Shutdown not finished ${deadlineSeconds} s after ${signal} ` +
            `(SHUTDOWN_GRACE_SECONDS + ${SHUTDOWN_MARGIN_SECONDS}): exiting without it`,
        );
        process.exit(1);
      }, deadlineSeconds * 1000).unref();
      app.close().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error(`Shutdown failed: ${describeError(error)}`);
          process.exit(1);
        },
      );
    });
  }
}

bootstrap().catch((error: unknown) => {
  new Logger('Bootstrap').error(describeError(error));
  process.exit(1);
});
