/**
 * Bearer tokens (the distribution token spec, and the OAuth2 variant for refresh tokens), cached per
 * scope set until shortly before they expire.
 */
import { URL } from 'node:url';
import type { Challenge } from './challenge';
import type { Credentials } from './docker-config';
import { RegistryError, isTemporaryStatus, parseErrorBody } from '../transport/errors';
import { readText, send, type HttpAgent } from '../transport/http';

interface CachedToken {
  token: string;
  expiresAt: number;
}

/** Fetches and caches tokens for one registry. */
export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<string>>();

  constructor(
    private readonly registry: string,
    private readonly agent: HttpAgent,
    private readonly userAgent: string,
  ) {}

  /** A token for `scopes`; `fresh` skips the cache (after a 401). */
  async token(
    challenge: Challenge,
    scopes: readonly string[],
    credentials: Credentials | undefined,
    fresh = false,
  ): Promise<string> {
    const key = [...new Set(scopes)].sort().join(' ');
    const cached = this.tokens.get(key);
    if (!fresh && cached && cached.expiresAt > Date.now()) return cached.token;
    const inFlight = this.pending.get(key);
    if (inFlight && !fresh) return inFlight;
    const p = this.fetch(challenge, key ? key.split(' ') : [], credentials).then((t) => {
      this.tokens.set(key, t);
      return t.token;
    });
    this.pending.set(key, p);
    try {
      return await p;
    } finally {
      this.pending.delete(key);
    }
  }

  private async fetch(
    challenge: Challenge,
    scopes: readonly string[],
    credentials: Credentials | undefined,
  ): Promise<CachedToken> {
    const realm = challenge.params.realm;
    if (!realm) {
      throw new RegistryError(
        `${this.registry} asked for a bearer token without saying where to get it (no realm)`,
        { method: 'GET', url: `https://${this.registry}/v2/` },
      );
    }
    const url = new URL(realm);
    const service = challenge.params.service;
    const headers: Record<string, string> = { 'user-agent': this.userAgent };
    let method = 'GET';
    let body: string | undefined;
    if (credentials?.identityToken) {
      method = 'POST';
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: credentials.identityToken,
        client_id: 'talos-kmod',
        ...(service ? { service } : {}),
        ...(scopes.length ? { scope: scopes.join(' ') } : {}),
      });
      body = form.toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else {
      if (service) url.searchParams.set('service', service);
      for (const s of scopes) url.searchParams.append('scope', s);
      if (credentials?.password !== undefined) {
        headers.authorization = `Basic ${Buffer.from(
          `${credentials.username}:${credentials.password}`,
        ).toString('base64')}`;
      }
    }
    let res;
    try {
      res = await send(this.agent, method, url.toString(), headers, body);
    } catch (e: unknown) {
      throw new RegistryError(
        `cannot reach the token service of ${this.registry} at ${url.origin}: ${(e as Error).message}`,
        { method, url: url.toString(), cause: e, temporary: true },
      );
    }
    const text = await readText(res);
    if (res.status === 401 || res.status === 403) {
      throw new RegistryError(
        credentials
          ? `${this.registry} rejected the credentials for '${credentials.username}' (${res.status}): check the username and password or token, or run 'docker login ${this.registry}' again`
          : `${this.registry} refused an anonymous token (${res.status}): log in first ('docker login ${this.registry}') or pass a username and password`,
        { method, url: url.toString(), status: res.status, codes: parseErrorBody(text).codes },
      );
    }
    if (res.status !== 200) {
      throw new RegistryError(`the token service of ${this.registry} answered ${res.status}`, {
        method,
        url: url.toString(),
        status: res.status,
        codes: parseErrorBody(text).codes,
        temporary: isTemporaryStatus(res.status),
      });
    }
    let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      throw new RegistryError(
        `the token service of ${this.registry} sent something other than JSON`,
        {
          method,
          url: url.toString(),
          status: res.status,
        },
      );
    }
    const token =
      typeof parsed.token === 'string' && parsed.token
        ? parsed.token
        : typeof parsed.access_token === 'string'
          ? parsed.access_token
          : '';
    if (!token) {
      throw new RegistryError(`the token service of ${this.registry} sent no token`, {
        method,
        url: url.toString(),
        status: res.status,
      });
    }
    const ttl =
      typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : 60;
    return { token, expiresAt: Date.now() + Math.max(1, ttl - 10) * 1000 };
  }
}
