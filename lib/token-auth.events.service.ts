import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { InjectTokenAuthOptions } from './token-auth.constants';
import { TokenAuthEvent, TokenAuthEventType } from './token-auth.events';
import { ResolvedTokenAuthOptions } from './token-auth.options';

interface Emitter {
  emit(event: string, payload: unknown): unknown;
}

/** Sends token events to the `onEvent` option and, when the host has it, to `@nestjs/event-emitter`. */
@Injectable()
export class TokenAuthEvents implements OnModuleInit {
  private readonly logger = new Logger('TokenAuth');
  private emitter: Emitter | null = null;
  private readonly listeners: Array<(event: TokenAuthEvent) => void> = [];

  constructor(
    @InjectTokenAuthOptions() private readonly options: ResolvedTokenAuthOptions,
    private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit(): void {
    this.emitter = findEventEmitter(this.moduleRef);
  }

  /** The module's own listeners (the socket registry reacts to revocations). */
  subscribe(listener: (event: TokenAuthEvent) => void): void {
    this.listeners.push(listener);
  }

  emit(type: TokenAuthEventType, userId: string, sessionId: string | null, extra: Partial<TokenAuthEvent> = {}): void {
    const event: TokenAuthEvent = { type, userId, sessionId, ...extra, at: new Date(this.options.clock.now()) };
    try {
      this.options.onEvent?.(event);
      for (const listener of this.listeners) listener(event);
      this.emitter?.emit(`token-auth.${type}`, event);
    } catch (error) {
      // A failing listener must not fail the request that caused the event.
      this.logger.error(`token event listener failed: ${(error as Error)?.message ?? error}`);
    }
  }
}

function findEventEmitter(moduleRef: ModuleRef): Emitter | null {
  try {
    // Optional peer: present only when the host installed @nestjs/event-emitter.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { EventEmitter2 } = require('eventemitter2');
    return moduleRef.get(EventEmitter2, { strict: false }) ?? null;
  } catch {
    return null;
  }
}
