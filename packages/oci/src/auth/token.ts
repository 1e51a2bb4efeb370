/**
 * Bearer tokens (the distribution token spec, and the OAuth2 variant for refresh tokens), cached per
 * scope set until shortly before they expire.
 */
import { URL } from 'node:url';
import type { Logger } from '@talos-kmod/common';
import type { Challenge } from './challenge';
import type { Credentials } from './docker-config';
import { RegistryError, isTemporaryStatus, isTlsError, parseErrorBody } from '../transport/errors';
import { readBytes, send, type HttpAgents } from '../transport/http';
import { maxTokenBytes, type Timeouts } from '../transport/limits';
import { sameSite } from '../reference/host';

/** What a {@link TokenCache} needs. */
export interface TokenCacheOptions {
  agents: HttpAgents;
  /** Hosts the user listed as insecure: only these skip certificate checks, realm or not. */
  insecureRegistries: readonly string[];
  userAgent: string;
  logger: Logger;
  timeouts: Timeouts;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

/** Fetches and caches tokens for one registry. */
export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<string>>();
  private readonly warned = new Set<string>();

  constructor(
    private readonly registry: string,
    private readonly options: TokenCacheOptions,
  ) {}

  /**
   * A token for `scopes`; `fresh` skips the cache (after a 401). `registryOrigin` is where the
   * registry itself answered (`https://host`): a realm over plain HTTP is refused for an HTTPS
   * registry, since the credentials would cross the network in the clear.
   */
  async token(
    challenge: Challenge,
    scopes: readonly string[],
    credentials: Credentials | undefined,
    registryOrigin: string,
    fresh = false,
  ): Promise<string> {
    const key = [...new Set(scopes)].sort().join(' ');
    const cached = this.tokens.get(key);
    if (!fresh && cached && cached.expiresAt > Date.now()) return cached.token;
    const inFlight = this.pending.get(key);
    if (inFlight && !fresh) return inFlight;
    const p = this.fetch(challenge, key ? key.split(' ') : [], credentials, registryOrigin).then(
      (t) => {
        this.tokens.set(key, t);
        return t.token;
      },
    );
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
    registryOrigin: string,
  ): Promise<CachedToken> {
    const url = this.realmUrl(challenge, registryOrigin);
    const service = challenge.params.service;
    const headers: Record<string, string> = { 'user-agent': this.options.userAgent };
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
    // Certificates of a realm are checked unless the user listed that very host as insecure:
    // marking the registry insecure says nothing about another host it sends credentials to.
    const insecure = this.options.insecureRegistries.some(
      (h) => h.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '') === url.host,
    );
    const agent = insecure ? this.options.agents.insecure : this.options.agents.verifying;
    let res;
    let text: string;
    try {
      res = await send(agent, method, url.toString(), headers, body, {
        deadlineMs: this.options.timeouts.requestMs,
        idleMs: this.options.timeouts.requestMs,
      });
      text = (
        await readBytes(res, {
          limit: maxTokenBytes,
          what: 'a token response',
          deadlineMs: this.options.timeouts.requestMs,
        })
      ).toString('utf8');
    } catch (e: unknown) {
      if (e instanceof RegistryError || (e as { name?: unknown }).name === 'UserError') throw e;
      if (isTlsError(e)) {
        throw new RegistryError(
          `the TLS certificate of ${url.origin}, the token service ${this.registry} names, is not trusted (${(e as Error).message}): no credentials were sent; pass its CA certificate (--ca-file / ca-file), or list ${url.host} as an insecure registry if it is a test service`,
          { method, url: url.toString(), cause: e },
        );
      }
      throw new RegistryError(
        `cannot reach the token service of ${this.registry} at ${url.origin}: ${(e as Error).message}`,
        { method, url: url.toString(), cause: e, temporary: true },
      );
    }
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

  /** The realm as a URL, refused when it would expose credentials; warns on another site. */
  private realmUrl(challenge: Challenge, registryOrigin: string): URL {
    const realm = challenge.params.realm;
    const at = `${registryOrigin}/v2/`;
    if (!realm) {
      throw new RegistryError(
        `${this.registry} asked for a bearer token without saying where to get it (no realm)`,
        { method: 'GET', url: at },
      );
    }
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      url = new URL('invalid:');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new RegistryError(
        `${this.registry} names a token service that is not an http(s) URL (${JSON.stringify(realm.slice(0, 100))}): the registry is misconfigured or hostile; no credentials were sent`,
        { method: 'GET', url: at },
      );
    }
    if (url.protocol === 'http:' && registryOrigin.startsWith('https:')) {
      throw new RegistryError(
        `${this.registry} is served over HTTPS but names a token service over plain HTTP (${url.origin}): refusing to send credentials unencrypted; fix the registry's token realm, or if this is a test registry, serve it over plain HTTP and list it as insecure`,
        { method: 'GET', url: at },
      );
    }
    const registryHost = new URL(registryOrigin).hostname;
    if (!sameSite(registryHost, url.hostname) && !this.warned.has(url.origin)) {
      this.warned.add(url.origin);
      this.options.logger.warning(
        `${this.registry} sends logins to a token service on another site (${url.origin}); credentials for ${this.registry} go there`,
      );
    }
    return url;
  }
}
