import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { ConfigError, readConfig } from './config';

async function bootstrap(): Promise<void> {
  let config;
  try {
    config = readConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Configuration error: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config));
  configureApp(app, config);
  app.enableShutdownHooks();
  await app.listen(config.port, '127.0.0.1');
  new Logger('SampleApp').log(`listening on http://127.0.0.1:${config.port} (mode ${config.mode}, ${config.databaseUrl.split(':')[0]})`);
}

void bootstrap();
