/**
 * One registry as seen by a client: how to reach it (HTTPS, or plain HTTP for loopback and
 * insecure hosts), which authentication it asks for, and the credentials and tokens for it.
 */
import type { Logger } from '@talos-kmod/common';
import { UserError, redactText, redactUrl } from '@talos-kmod/common';
import { parseChallenges, pickChallenge, type Challenge } from '../auth/challenge';
import {
  dockerConfigCredentials,
  normalizeConfigKey,
  type Credentials,
  type CredentialsOption,
} from '../auth/docker-config';
import { TokenCache } from '../auth/token';
import { dockerHub, dockerHubApiHost, isLoopbackHost } from '../reference/host';
import { RegistryError, isTemporaryStatus, networkErrorCode, isTlsError } from './errors';
import { discard, header, send, type HttpAgent, type HttpAgents } from './http';
import type { Timeouts } from './limits';
import { parseRetryAfter, withRetry, type RetryPolicy } from './retry';
import type { ExecFn } from '@talos-kmod/common';

/** What a session needs from the client's options. */
export interface SessionOptions {
  agents: HttpAgents;
  insecureRegistries: readonly string[];
  credentials?: CredentialsOption;
  dockerConfigDir?: string;
  exec?: ExecFn;
  logger: Logger;
  retry: RetryPolicy;
  timeouts: Timeouts;
  userAgent: string;
}

interface Endpoint {
  origin: string;
  agent: HttpAgent;
}

const certificateCodes =
  /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH/;

/** A connection failure as a {@link RegistryError} that says what to do. */
export function connectionError(
  registry: string,
  method: string,
  url: string,
  e: unknown,
): RegistryError {
  const code = networkErrorCode(e) ?? '';
  const detail = redactText(e instanceof Error ? e.message : String(e));
  const shown = redactUrl(url);
  let message: string;
  let temporary = false;
  if (code === 'ENOTFOUND' || code === 'EAI_NONAME') {
    message = `cannot resolve registry host '${registry}' (${code}): check the registry name in the image reference`;
  } else if (code === 'ECONNREFUSED') {
    message = `nothing accepts connections at ${registry} (ECONNREFUSED): check the host and port, and that the registry is running`;
  } else if (certificateCodes.test(code) || /certificate/i.test(detail)) {
    message = `the TLS certificate of ${registry} is not trusted (${code || detail}): pass its CA certificate (--ca-file / ca-file) or, for a test registry, list it as an insecure registry`;
  } else if (isTlsError(e)) {
    message = `TLS handshake with ${registry} failed (${code || detail}): if it serves plain HTTP, list it as an insecure registry`;
  } else if (code === 'ETIMEDOUT' && /no answer|no data/.test(detail)) {
    temporary = true;
    message = `${registry} is not responding: ${detail} (${method} ${shown}); retry later, or give it longer (--registry-timeout / timeouts)`;
  } else {
    temporary = true;
    message = `connection to ${registry} failed (${code || detail}) during ${method} ${shown}: the registry or the network is failing; retry later`;
  }
  return new RegistryError(message, { method, url, cause: e, temporary });
}

/** Per-registry state shared by all requests of one client. */
export class RegistrySession {
  private endpoint?: Promise<Endpoint>;
  private challenge?: Challenge;
  private credentialsLookup?: Promise<Credentials | undefined>;
  private readonly tokens: TokenCache;
  /** The host that serves the API (`registry-1.docker.io` for `docker.io`). */
  readonly apiHost: string;
  readonly insecure: boolean;

  constructor(
    readonly registry: string,
    private readonly options: SessionOptions,
  ) {
    this.apiHost = registry === dockerHub ? dockerHubApiHost : registry;
    this.insecure = options.insecureRegistries.some(
      (h) => h.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '') === registry,
    );
    this.tokens = new TokenCache(registry, {
      agents: options.agents,
      insecureRegistries: options.insecureRegistries,
      userAgent: options.userAgent,
      logger: options.logger,
      timeouts: options.timeouts,
    });
  }

  /**
   * Credentials for this registry, looked up once: explicit ones when they were given for this
   * very host, else the docker config (and its credential helpers).
   */
  credentials(): Promise<Credentials | undefined> {
    this.credentialsLookup ??= (async () => {
      const explicit = this.options.credentials;
      if (typeof explicit === 'function') {
        const c = explicit(this.registry);
        if (c) return c;
      } else if (
        explicit &&
        normalizeConfigKey(explicit.registry) === normalizeConfigKey(this.registry)
      ) {
        return { username: explicit.username, password: explicit.password };
      }
      return dockerConfigCredentials(this.registry, {
        ...(this.options.dockerConfigDir ? { dockerConfigDir: this.options.dockerConfigDir } : {}),
        ...(this.options.exec ? { exec: this.options.exec } : {}),
        logger: this.options.logger,
      });
    })();
    return this.credentialsLookup;
  }

  /** Origin and agent to use, found once by pinging `/v2/` (HTTPS first; HTTP where allowed). */
  resolve(): Promise<Endpoint> {
    this.endpoint ??= this.ping().catch((e: unknown) => {
      this.endpoint = undefined;
      throw e;
    });
    return this.endpoint;
  }

  private async ping(): Promise<Endpoint> {
    // One deadline for connecting and pinging, HTTPS and the HTTP fallback together: a registry
    // that accepts connections and never answers must fail in seconds, not after idle timeouts.
    const limitMs = this.options.timeouts.connectMs;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), limitMs);
    timer.unref();
    try {
      return await this.pingEndpoints(controller.signal);
    } catch (e: unknown) {
      if (!controller.signal.aborted) throw e;
      throw new RegistryError(
        `${this.registry} did not answer GET /v2/ within ${limitMs / 1000} s: check the host and port in the image reference and that the registry is up (a slow registry can be given longer: --registry-timeout / timeouts.connectMs)`,
        { method: 'GET', url: `https://${this.apiHost}/v2/`, cause: e, temporary: false },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  private async pingEndpoints(signal: AbortSignal): Promise<Endpoint> {
    const plainAllowed = this.insecure || isLoopbackHost(this.registry);
    const secure: Endpoint = {
      origin: `https://${this.apiHost}`,
      agent: this.insecure ? this.options.agents.insecure : this.options.agents.verifying,
    };
    try {
      return await this.pingAt(secure, !plainAllowed, signal);
    } catch (e: unknown) {
      if (signal.aborted) throw e;
      const code = networkErrorCode(e) ?? '';
      if (!plainAllowed || e instanceof RegistryError || certificateCodes.test(code)) {
        if (e instanceof RegistryError) throw e;
        throw connectionError(this.registry, 'GET', `${secure.origin}/v2/`, e);
      }
      this.options.logger.debug(
        `${this.registry}: HTTPS failed (${code || (e as Error).message}); using plain HTTP`,
      );
    }
    return this.pingAt(
      { origin: `http://${this.apiHost}`, agent: this.options.agents.verifying },
      true,
      signal,
    );
  }

  /**
   * GET /v2/ once (the request that needed it retries); records the challenge. With
   * `mapNetwork` false, connection failures are thrown raw so the caller can fall back to HTTP.
   */
  private async pingAt(
    endpoint: Endpoint,
    mapNetwork: boolean,
    signal: AbortSignal,
  ): Promise<Endpoint> {
    const url = `${endpoint.origin}/v2/`;
    let res;
    try {
      res = await send(
        endpoint.agent,
        'GET',
        url,
        { 'user-agent': this.options.userAgent },
        undefined,
        { signal, deadlineMs: this.options.timeouts.connectMs },
      );
    } catch (e: unknown) {
      if (!mapNetwork || signal.aborted) throw e;
      throw connectionError(this.registry, 'GET', url, e);
    }
    await discard(res);
    if (res.status === 401) {
      this.challenge = pickChallenge(parseChallenges(res.headers['www-authenticate']));
    } else if (isTemporaryStatus(res.status)) {
      // a 429 or 503 on the ping says when to come back, like any other request's
      const retryAfterMs = parseRetryAfter(header(res, 'retry-after'));
      throw new RegistryError(
        `${this.registry} answered ${res.status} to GET /v2/: this is on the registry's side; retry later`,
        {
          method: 'GET',
          url,
          status: res.status,
          temporary: true,
          ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        },
      );
    }
    return endpoint;
  }

  /** Records a challenge seen on a 401 (some registries allow anonymous /v2/). */
  noteChallenge(value: string | string[] | undefined): Challenge | undefined {
    const c = pickChallenge(parseChallenges(value));
    if (c) this.challenge = c;
    return c;
  }

  /** The Authorization header for `scopes`, or undefined when none is needed or possible. */
  async authorization(scopes: readonly string[], fresh = false): Promise<string | undefined> {
    const challenge = this.challenge;
    if (!challenge) return undefined;
    const credentials = await this.credentials();
    if (challenge.scheme === 'basic') {
      if (!credentials) return undefined;
      if (credentials.password === undefined) {
        throw new UserError(
          `${this.registry} wants a username and password, but only an identity token is configured: run 'docker login ${this.registry}' with a password`,
        );
      }
      return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
    }
    if (challenge.scheme === 'bearer') {
      const token = await withRetry(
        `token for ${this.registry}`,
        this.options.retry,
        this.options.logger,
        async () =>
          this.tokens.token(challenge, scopes, credentials, (await this.resolve()).origin, fresh),
      );
      return `Bearer ${token}`;
    }
    return undefined;
  }

  /** The scheme of the last challenge (`basic`, `bearer`) or undefined. */
  get scheme(): string | undefined {
    return this.challenge?.scheme;
  }
}
