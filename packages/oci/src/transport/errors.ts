/** {@link RegistryError}: what a registry (or the way to it) refused, in words a user can act on. */
import { UserError, redactUrl } from '@talos-kmod/common';

/** Fields of a {@link RegistryError}. */
export interface RegistryErrorInit {
  method: string;
  url: string;
  status?: number;
  codes?: readonly string[];
  temporary?: boolean;
  cause?: unknown;
  details?: readonly string[];
  /** From `Retry-After`, for 429/503. */
  retryAfterMs?: number;
}

/**
 * A failed registry request. `url` is redacted (no userinfo, no query); `codes` are the registry's
 * error codes (`MANIFEST_UNKNOWN`, `DENIED`, …); only `temporary` errors are retried.
 */
export class RegistryError extends UserError {
  override readonly name = 'UserError';
  readonly method: string;
  readonly url: string;
  readonly status?: number;
  readonly codes: string[];
  readonly temporary: boolean;
  readonly retryAfterMs?: number;

  constructor(message: string, init: RegistryErrorInit) {
    super(message, {
      ...(init.cause === undefined ? {} : { cause: init.cause }),
      ...(init.details ? { details: init.details } : {}),
    });
    this.method = init.method;
    this.url = redactUrl(init.url);
    if (init.status !== undefined) this.status = init.status;
    this.codes = [...(init.codes ?? [])];
    this.temporary = init.temporary ?? false;
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
  }
}

/** True for {@link RegistryError}s. */
export function isRegistryError(e: unknown): e is RegistryError {
  return e instanceof RegistryError;
}

/** The `errors` array of a registry's JSON error body (distribution spec). */
export interface RegistryErrorBody {
  codes: string[];
  messages: string[];
}

/** Reads `{"errors":[{"code","message"}]}`; tolerant of anything else. */
export function parseErrorBody(text: string): RegistryErrorBody {
  try {
    const parsed = JSON.parse(text) as { errors?: { code?: unknown; message?: unknown }[] };
    const errors = Array.isArray(parsed.errors) ? parsed.errors : [];
    return {
      codes: errors.map((e) => (typeof e.code === 'string' ? e.code : '')).filter(Boolean),
      messages: errors.map((e) => (typeof e.message === 'string' ? e.message : '')).filter(Boolean),
    };
  } catch {
    return { codes: [], messages: [] };
  }
}

/** Statuses worth retrying: rate limiting and server-side failures. */
export function isTemporaryStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

const temporaryNetworkCodes = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);

/** The `code` of a network error, looking through `cause` chains. */
export function networkErrorCode(e: unknown): string | undefined {
  for (let cur: unknown = e, i = 0; cur && i < 5; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** True for network failures that may pass on retry (resets, timeouts), not for DNS or refusals. */
export function isTemporaryNetworkError(e: unknown): boolean {
  const code = networkErrorCode(e);
  if (code && temporaryNetworkCodes.has(code)) return true;
  return /socket hang up|other side closed|premature close|aborted/i.test(messageOf(e));
}

/** True for TLS failures (the certificate or the protocol). */
export function isTlsError(e: unknown): boolean {
  const code = networkErrorCode(e) ?? '';
  return (
    code.startsWith('ERR_TLS') ||
    code.startsWith('ERR_SSL') ||
    code === 'EPROTO' ||
    /CERT|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|SELF_SIGNED|HOSTNAME_MISMATCH/.test(code) ||
    /certificate|SSL|TLS|self.signed|wrong version number/i.test(messageOf(e))
  );
}

/** The message of an error, also from another realm (where `instanceof Error` fails). */
function messageOf(e: unknown): string {
  const m = (e as { message?: unknown } | undefined)?.message;
  return typeof m === 'string' ? m : '';
}
