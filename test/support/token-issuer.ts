/**
 * A small token service for the registry's `auth.token` mode (the distribution token spec, the
 * flow ghcr.io and Docker Hub use): `GET /token?service=…&scope=…` with optional Basic auth, and
 * the OAuth2 `POST /token` refresh-token grant. Tokens are RS256 JWTs whose `x5c` header carries
 * the signing certificate, which the registry trusts through `rootcertbundle`.
 */
import { createPrivateKey, createSign, randomUUID, X509Certificate } from 'node:crypto';
import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import { testCertificates } from './tls';

/** A running token issuer. */
export interface TokenIssuer {
  readonly realm: string;
  readonly service: string;
  readonly issuer: string;
  /** Every token request, in order (for asserting caching and scopes). */
  readonly requests: { method: string; user?: string; scopes: string[] }[];
  stop(): Promise<void>;
}

/** Users and what they may do; anonymous callers get `anonymousActions` (default none). */
export interface TokenIssuerOptions {
  users: Record<string, string>;
  /** refresh token → user name, for the OAuth2 grant (docker's identity tokens). */
  refreshTokens?: Record<string, string>;
  anonymousActions?: string[];
  /** Address to listen on (default 127.0.0.1; 127.0.0.3 is another site for the realm warning). */
  host?: string;
  /** Serve HTTPS with the test server certificate (signed by the test CA). */
  tls?: boolean;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

function sign(claims: Record<string, unknown>): string {
  const certs = testCertificates();
  const der = new X509Certificate(certs.signingCert).raw;
  const header = { typ: 'JWT', alg: 'RS256', x5c: [der.toString('base64')] };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = createSign('RSA-SHA256').update(input).sign(createPrivateKey(certs.signingKey));
  return `${input}.${b64url(signature)}`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let s = '';
    req.on('data', (c: Buffer) => (s += c.toString()));
    req.on('end', () => resolve(s));
  });
}

/** Starts the issuer on 127.0.0.1 and a free port. */
export async function startTokenIssuer(options: TokenIssuerOptions): Promise<TokenIssuer> {
  const service = 'talos-kmod-test-registry';
  const issuer = 'talos-kmod-test-issuer';
  const requests: TokenIssuer['requests'] = [];
  const listener: RequestListener = (req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      let user: string | undefined;
      let scopes: string[] = [];
      if (req.method === 'POST') {
        const form = new URLSearchParams(await readBody(req));
        scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
        user = options.refreshTokens?.[form.get('refresh_token') ?? ''];
        if (form.get('grant_type') !== 'refresh_token' || !user) {
          requests.push({ method: 'POST', scopes });
          res
            .writeHead(401, { 'content-type': 'application/json' })
            .end('{"error":"invalid_grant"}');
          return;
        }
      } else {
        scopes = url.searchParams.getAll('scope');
        const auth = req.headers.authorization;
        if (auth?.startsWith('Basic ')) {
          const [name, ...rest] = Buffer.from(auth.slice(6), 'base64').toString().split(':');
          if (!name || options.users[name] !== rest.join(':')) {
            requests.push({ method: 'GET', user: name, scopes });
            res
              .writeHead(401, { 'content-type': 'application/json' })
              .end('{"details":"wrong credentials"}');
            return;
          }
          user = name;
        }
      }
      requests.push({ method: req.method ?? 'GET', ...(user ? { user } : {}), scopes });
      const access = scopes.map((s) => {
        const [type, name, actions] = s.split(':');
        const granted = user ? (actions ?? '').split(',') : (options.anonymousActions ?? []);
        return { type, name, actions: granted };
      });
      const now = Math.floor(Date.now() / 1000);
      const token = sign({
        iss: issuer,
        sub: user ?? '',
        aud: service,
        exp: now + 300,
        nbf: now - 10,
        iat: now,
        jti: randomUUID(),
        access,
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          token,
          access_token: token,
          expires_in: 300,
          issued_at: new Date().toISOString(),
        }),
      );
    })();
  };
  const certs = testCertificates();
  const server: Server = options.tls
    ? createTlsServer(
        { cert: readFileSync(certs.serverCertPath), key: readFileSync(certs.serverKeyPath) },
        listener,
      )
    : createServer(listener);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((r) => server.listen(0, host, r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    realm: `${options.tls ? 'https' : 'http'}://${host}:${port}/token`,
    service,
    issuer,
    requests,
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
