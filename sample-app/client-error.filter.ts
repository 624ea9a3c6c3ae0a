import { ArgumentsHost, Catch, HttpException } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';

/**
 * What body-parser throws when it refuses a request (an http-errors error: 413 too large, 415 charset,
 * 400 aborted ...): an Error with a 4xx `status` and `expose: true`. A class only because `@Catch()`
 * selects with `instanceof`: this one matches those errors and leaves every other error alone.
 */
abstract class BodyParserRefusal extends Error {
  declare status: number;

  static override [Symbol.hasInstance](value: unknown): boolean {
    const { status, expose } = (value ?? {}) as { status?: unknown; expose?: unknown };
    return value instanceof Error && expose === true && typeof status === 'number' && status >= 400 && status < 500;
  }
}

/**
 * Answers body-parser's refusals like an HttpException: same status and `{ statusCode, message }`,
 * nothing logged. Nest maps only bad JSON that way; it logs the others as unknown errors, a full
 * stack trace per 413, which lets any client flood the log.
 */
@Catch(BodyParserRefusal)
export class ClientErrorFilter extends BaseExceptionFilter {
  override catch(exception: BodyParserRefusal, host: ArgumentsHost): void {
    super.catch(new HttpException(exception.message, exception.status), host);
  }
}
