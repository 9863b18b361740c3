import { Logger } from '@nestjs/common';

// Tests are quiet unless TEST_LOGS=1: expected failures (a crashing worker, a bad segment)
// log errors by design, and those lines would bury the test report.
if (process.env.TEST_LOGS !== '1') Logger.overrideLogger(false);
