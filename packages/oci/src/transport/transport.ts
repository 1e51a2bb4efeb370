/**
 * Registry requests: resolve the endpoint, authenticate (re-authenticating once on a 401), follow
 * blob redirects, map failures to {@link RegistryError}s, and retry temporary ones.
 */
import { URL } from 'node:url';
import { UserError, type Logger } from '@talos-kmod/common';
import type { CredentialsOption } from '../auth/docker-config';
import type { ExecFn } from '@talos-kmod/common';
import { RegistryError, isTemporaryStatus, parseErrorBody } from './errors';
import {
  createAgents,
  discard,
  header,
  readBytes,
  readText,
  send,
  type HttpAgents,
  type HttpResponse,
  type ReadLimits,
  type RequestBody,
} from './http';
import { maxErrorBodyBytes, type Timeouts } from './limits';
import { parseRetryAfter, withRetry, type RetryPolicy } from './retry';
import { RegistrySession, connectionError } from './session';

/** One request to a registry's API. */
export interface RegistryRequest {
  registry: string;
  method: string;
  /** A path under the origin (`/v2/…`) or an absolute URL the registry handed out (upload location). */
  path: string;
  /** Token scopes, e.g. `repository:acme/app:pull,push`. */
  scopes: readonly string[];
  headers?: Record<string, string>;
  /** The body, made anew for each attempt. */
  body?: () => RequestBody | Promise<RequestBody>;
  /** Statuses that count as success; others become errors. */
  expect: readonly number[];
  /** Follow 3xx redirects (blob downloads); credentials are dropped when leaving the origin. */
  followRedirects?: boolean;
  /** What this request does, for messages: `pull manifest acme/app:v1`. */
  what: string;
  /** Turns a 404 into a clearer error message. */
  notFound?: (codes: readonly string[]) => string;
  /** Do not retry (the caller retries at a higher level). */
  noRetry?: boolean;
  /** The response body is large and read once (a blob): see `SendOptions.bulk` in http.ts. */
  bulk?: boolean;
}

/** Options of a {@link RegistryTransport}. */
export interface TransportOptions {
  insecureRegistries?: readonly string[];
  credentials?: CredentialsOption;
  dockerConfigDir?: string;
  caCertificates?: string | Buffer;
  exec?: ExecFn;
  logger: Logger;
  retry: RetryPolicy;
  timeouts: Timeouts;
  userAgent?: string;
}

/** Sends registry requests for one client; holds a session per registry. */
export class RegistryTransport {
  private readonly agents: HttpAgents;
  private readonly sessions = new Map<string, RegistrySession>();
  readonly logger: Logger;
  readonly retry: RetryPolicy;
  readonly timeouts: Timeouts;

  constructor(private readonly options: TransportOptions) {
    this.agents = createAgents(options.caCertificates);
    this.logger = options.logger;
    this.retry = options.retry;
    this.timeouts = options.timeouts;
  }

  /** The session for a registry host. */
  session(registry: string): RegistrySession {
    let s = this.sessions.get(registry);
    if (!s) {
      s = new RegistrySession(registry, {
        agents: this.agents,
        insecureRegistries: this.options.insecureRegistries ?? [],
        ...(this.options.credentials ? { credentials: this.options.credentials } : {}),
        ...(this.options.dockerConfigDir ? { dockerConfigDir: this.options.dockerConfigDir } : {}),
        ...(this.options.exec ? { exec: this.options.exec } : {}),
        logger: this.options.logger,
        retry: this.options.retry,
        timeouts: this.options.timeouts,
        userAgent: this.options.userAgent ?? 'talos-kmod',
      });
      this.sessions.set(registry, s);
    }
    return s;
  }

  /** Sends a request with retries; the caller must consume or discard the response body. */
  request(req: RegistryRequest): Promise<HttpResponse> {
    return this.retried(req, () => this.attempt(req));
  }

  /**
   * Sends a request and reads its small body (a manifest, a tag list) within `limits`, retrying
   * the two as one attempt: a body cut short or stalled is a temporary failure like a reset before
   * the answer, and the raw socket error must not reach the caller.
   */
  requestBytes(
    req: RegistryRequest,
    limits: ReadLimits,
  ): Promise<{ response: HttpResponse; bytes: Buffer }> {
    return this.retried(req, async () => {
      const response = await this.attempt(req);
      try {
        return { response, bytes: await readBytes(response, limits) };
      } catch (e: unknown) {
        if (e instanceof UserError) throw e;
        throw connectionError(req.registry, req.method, response.url, e);
      }
    });
  }

  /** Runs `attempt` under the retry policy (once with `noRetry`); says how long it tried. */
  private async retried<T>(req: RegistryRequest, attempt: () => Promise<T>): Promise<T> {
    if (req.noRetry) return attempt();
    const start = Date.now();
    let attempts = 0;
    try {
      return await withRetry(req.what, this.retry, this.logger, () => {
        attempts++;
        return attempt();
      });
    } catch (e: unknown) {
      if (e instanceof RegistryError && e.temporary && attempts > 1) {
        const seconds = ((Date.now() - start) / 1000).toFixed(1);
        throw new RegistryError(
          `${e.message} (gave up after ${attempts} attempts in ${seconds} s)`,
          {
            method: e.method,
            url: e.url,
            codes: e.codes,
            temporary: true,
            cause: e,
            ...(e.status !== undefined ? { status: e.status } : {}),
          },
        );
      }
      throw e;
    }
  }

  /** Closes pooled connections. */
  close(): Promise<void> {
    return this.agents.close();
  }

  private async attempt(req: RegistryRequest): Promise<HttpResponse> {
    const session = this.session(req.registry);
    const endpoint = await session.resolve();
    let url = new URL(req.path, endpoint.origin).toString();
    let authorization = await session.authorization(req.scopes);
    let reauthenticated = false;
    for (let hops = 0; ; hops++) {
      const sameOrigin = new URL(url).origin === endpoint.origin;
      const headers: Record<string, string> = {
        'user-agent': this.options.userAgent ?? 'talos-kmod',
        ...req.headers,
      };
      if (authorization && sameOrigin) headers.authorization = authorization;
      let res: HttpResponse;
      try {
        res = await send(
          sameOrigin ? endpoint.agent : this.agents.verifying,
          req.method,
          url,
          headers,
          await req.body?.(),
          {
            bulk: req.bulk === true,
            deadlineMs: this.timeouts.requestMs,
            idleMs: this.timeouts.idleMs,
          },
        );
      } catch (e: unknown) {
        if (e instanceof UserError) throw e;
        throw connectionError(req.registry, req.method, url, e);
      }
      if (req.expect.includes(res.status)) return res;
      if (res.status === 401 && sameOrigin && !reauthenticated) {
        await discard(res);
        const challenge = session.noteChallenge(res.headers['www-authenticate']);
        const scopes = [...req.scopes];
        if (challenge?.params.scope) scopes.push(...challenge.params.scope.split(' '));
        authorization = await session.authorization(scopes, true);
        reauthenticated = true;
        if (authorization) continue;
      }
      if (req.followRedirects && [301, 302, 303, 307, 308].includes(res.status) && hops < 5) {
        const location = header(res, 'location');
        await discard(res);
        if (location) {
          url = new URL(location, url).toString();
          continue;
        }
      }
      throw await this.failure(req, session, res);
    }
  }

  private async failure(
    req: RegistryRequest,
    session: RegistrySession,
    res: HttpResponse,
  ): Promise<RegistryError> {
    const text = await readText(res, maxErrorBodyBytes, this.timeouts.requestMs);
    const { codes, messages } = parseErrorBody(text);
    const status = res.status;
    const said = messages.length ? `: ${messages.join('; ')}` : '';
    const tag = `${status}${codes.length ? ` ${codes.join(',')}` : ''}`;
    const retryAfterMs = parseRetryAfter(header(res, 'retry-after'));
    const init = {
      method: req.method,
      url: res.url,
      status,
      codes,
      temporary: isTemporaryStatus(status),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
    const registry = req.registry;
    if (status === 401) {
      const credentials = await session.credentials();
      return new RegistryError(
        credentials
          ? `${registry} rejected the credentials for '${credentials.username}' (${tag}) to ${req.what}: check the username and password or token, or run 'docker login ${registry}' again`
          : `${registry} requires authentication to ${req.what} (${tag}): log in with 'docker login ${registry}' or pass a username and password`,
        init,
      );
    }
    if (status === 403) {
      return new RegistryError(
        `${registry} denied access to ${req.what} (${tag}${said}): check that these credentials may do this (for ghcr.io, give the job 'packages: write' to push)`,
        init,
      );
    }
    if (status === 404 && req.notFound) return new RegistryError(req.notFound(codes), init);
    if (status === 429) {
      return new RegistryError(
        `${registry} is rate limiting requests (429) to ${req.what}: wait and retry, or log in for a higher limit`,
        init,
      );
    }
    if (status >= 500) {
      return new RegistryError(
        `${registry} failed (${tag}${said}) to ${req.what}: this is on the registry's side; retry later`,
        init,
      );
    }
    return new RegistryError(
      `${registry} refused to ${req.what} (${tag}${said}): an answer this request does not expect; check that ${registry} is the registry meant (not a proxy or web server in its place) and retry`,
      init,
    );
  }
}
