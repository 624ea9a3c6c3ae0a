import { InvalidRequestException } from './token-auth.exceptions';
import { readLoginBody, readRefreshBody, readTokenBody } from './request-body';

function fieldOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRequestException);
    return ((error as InvalidRequestException).getResponse() as { field: string }).field;
  }
  return undefined;
}

describe('request bodies', () => {
  it('accepts a login body with an optional name', () => {
    expect(readLoginBody({ username: 'a', password: 'b' })).toEqual({ username: 'a', password: 'b', name: null, scope: null });
    expect(readLoginBody({ username: 'a', password: 'b', scope: 'notes:read  notes:write notes:read' }).scope).toEqual(['notes:read', 'notes:write']);
    expect(readLoginBody({ username: 'a', password: 'b', name: 'phone' }).name).toBe('phone');
  });

  it.each([
    [null, 'body'],
    ['text', 'body'],
    [[{}], 'body'],
    [{}, 'username'],
    [{ username: '', password: 'b' }, 'username'],
    [{ username: ['a'], password: 'b' }, 'username'],
    [{ username: 'a' }, 'password'],
    [{ username: 'a', password: 'b'.repeat(2000) }, 'password'],
    [{ username: 'a', password: 'b', name: {} }, 'name'],
    [{ username: 'a', password: 'b', role: 'admin' }, 'role'],
    [{ username: 'a', password: 'b', scope: ['read'] }, 'scope'],
    [{ username: 'a\u0000b', password: 'b' }, 'username'],
    [{ username: 'a', password: 'b', name: 'tab\there' }, 'name'],
    [{ '{"username":"a","password":"hunter2"}': '' }, 'body'],
    [{ username: 'a', password: 'b', scope: 'bad"quote' }, 'scope'],
  ])('refuses login body %j naming %s', (body, field) => {
    expect(fieldOf(() => readLoginBody(body))).toBe(field);
  });

  it('reads a refresh body and names what is wrong', () => {
    expect(readRefreshBody({ refreshToken: 'x' })).toEqual({ refreshToken: 'x' });
    expect(fieldOf(() => readRefreshBody({}))).toBe('refreshToken');
    expect(fieldOf(() => readRefreshBody({ refreshToken: 5 }))).toBe('refreshToken');
    expect(fieldOf(() => readRefreshBody({ refreshToken: 'x', token: 'y' }))).toBe('token');
  });

  it('reads revocation and introspection bodies', () => {
    expect(readTokenBody({ token: 't' })).toEqual({ token: 't', hint: null });
    expect(readTokenBody({ token: 't', token_type_hint: 'refresh_token' }).hint).toBe('refresh_token');
    expect(fieldOf(() => readTokenBody({ token: 't', token_type_hint: 'id_token' }))).toBe('token_type_hint');
    expect(fieldOf(() => readTokenBody({}))).toBe('token');
  });
});
