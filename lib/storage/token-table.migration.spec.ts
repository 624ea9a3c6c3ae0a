import { createTokenTableMigration } from './token-table.migration';

describe('createTokenTableMigration', () => {
  it('names the migration after the table with a fixed 13-digit timestamp, the same on every call', () => {
    const one = new (createTokenTableMigration())();
    const two = new (createTokenTableMigration())();
    expect(one.name).toBe('CreateTokenTable_auth_tokens_1767225600000');
    expect(two.name).toBe(one.name);
    expect(new (createTokenTableMigration({ tableName: 'api_tokens' }))().name).toBe('CreateTokenTable_api_tokens_1767225600000');
  });

  it('accepts a name of the host’s own that ends in a timestamp', () => {
    expect(new (createTokenTableMigration({ name: 'AuthTokens1700000000000' }))().name).toBe('AuthTokens1700000000000');
  });

  it.each([
    [{ tableName: 'bad-name' }, /tableName must match/],
    [{ tableName: 'x'.repeat(41) }, /tableName must match/],
    [{ name: 'NoTimestamp' }, /name must end in a 13-digit timestamp/],
  ])('refuses %j with a message naming the option', (options, message) => {
    expect(() => createTokenTableMigration(options)).toThrow(message);
  });
});
