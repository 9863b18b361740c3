import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AudioModule } from './audio/audio.module';
import { ApiExceptionFilter } from './common/filters/api-exception.filter';
import { LoggingModule } from './common/logging/logging.module';
import { createValidationPipe } from './common/pipes/validation.pipe';
import { type AppConfig, appConfigModule } from './config/app.config';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { NarrationModule } from './narration/narration.module';
import { OpenAiModule } from './openai/openai.module';
import { ProjectsModule } from './projects/projects.module';
import { SettingsModule } from './settings/settings.module';
import { TasksModule } from './tasks/tasks.module';
import { VideoModule } from './video/video.module';
import { WebModule } from './web/web.module';

@Module({
  imports: [
    LoggingModule,
    DatabaseModule,
    TasksModule,
    ProjectsModule,
    SettingsModule,
    AudioModule,
    NarrationModule,
    OpenAiModule,
    VideoModule,
    WebModule,
    HealthModule,
    MetricsModule,
  ],
  providers: [
    { provide: APP_FILTER, useClass: ApiExceptionFilter },
    { provide: APP_PIPE, useFactory: createValidationPipe },
  ],
})
export class AppModule {
  /** The whole app on a configuration loaded (and validated) beforehand: see `createApp`. */
  static forRoot(config: AppConfig): DynamicModule {
    return { module: AppModule, imports: [appConfigModule(config)] };
  }
}
