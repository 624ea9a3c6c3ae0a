import { CanActivate, ExecutionContext, Injectable, UseGuards } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { TokenAuthGuard } from './token-auth.guard';

/**
 * What `globalGuard: true` installs: it hands every request to the module's own `TokenAuthGuard`
 * enhancer. `@UseGuards` here is what makes that enhancer exist, and an enhancer (unlike a provider)
 * is what a testing module's `overrideGuard(TokenAuthGuard)` replaces, so one override covers the
 * global guard and every `@UseGuards(TokenAuthGuard)` alike.
 */
@Injectable()
@UseGuards(TokenAuthGuard)
export class TokenAuthGlobalGuard implements CanActivate {
  private guard?: CanActivate;

  constructor(private readonly moduleRef: ModuleRef) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    return (this.guard ??= this.moduleRef.get(TokenAuthGuard, { strict: true })).canActivate(context) as boolean | Promise<boolean>;
  }
}
