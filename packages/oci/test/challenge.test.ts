import { describe, expect, it } from '@jest/globals';
import { parseChallenges, pickChallenge } from '../src/auth/challenge';

describe('parseChallenges', () => {
  it('reads a bearer challenge with quoted parameters containing commas', () => {
    const [c] = parseChallenges(
      'Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:acme/app:pull,push"',
    );
    expect(c).toEqual({
      scheme: 'bearer',
      params: {
        realm: 'https://auth.example.com/token',
        service: 'registry.example.com',
        scope: 'repository:acme/app:pull,push',
      },
    });
  });

  it('reads several challenges and prefers bearer', () => {
    const all = parseChallenges(
      'Basic realm="Registry Realm", Bearer realm="https://t/x",error=insufficient_scope',
    );
    expect(all.map((c) => c.scheme)).toEqual(['basic', 'bearer']);
    expect(all[1]?.params.error).toBe('insufficient_scope');
    expect(pickChallenge(all)?.scheme).toBe('bearer');
  });

  it('unescapes quoted pairs and returns nothing for an absent header', () => {
    expect(parseChallenges('Basic realm="a \\"b\\""')[0]?.params.realm).toBe('a "b"');
    expect(parseChallenges(undefined)).toEqual([]);
  });
});
