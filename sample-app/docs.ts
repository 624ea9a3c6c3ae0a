import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** Serves the OpenAPI document at /docs (UI) and /docs-json, including the token module's routes. */
export function setupDocs(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('nest-token-auth sample app')
    .setDescription('Opaque, revocable bearer tokens for NestJS')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'ntk_at_… access token' })
    .build();
  SwaggerModule.setup('docs', app, SwaggerModule.createDocument(app, config));
}
