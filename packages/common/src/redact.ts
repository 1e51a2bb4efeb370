/**
 * Removes userinfo and the query from a URL so it can appear in logs and errors:
 * registries put tokens in both.
 */
export function redactUrl(url: string | URL): string {
  let u: URL;
  try {
    u = new URL(url.toString());
  } catch {
    return redactText(url.toString());
  }
  if (u.username || u.password) {
    u.username = 'redacted';
    u.password = '';
  }
  if (u.search) u.search = '?redacted';
  return u.toString();
}

const secretPatterns: readonly RegExp[] = [
  /(authorization:\s*(?:basic|bearer)\s+)\S+/gi,
  /("?(?:password|token|access_token|refresh_token|identitytoken|auth|secret)"?\s*[:=]\s*"?)[^"\s,}]+/gi,
  /(\/\/)[^/\s:@]+:[^/\s@]+@/g,
  // the query of any URL: presigned storage URLs carry their signature there (X-Amz-Signature…)
  /(\bhttps?:\/\/[^\s?#"'<>]*\?)[^\s#"'<>]+?(?=[:.,;)]*(?:[\s#"'<>]|$))/gi,
];

/**
 * Masks credentials that look like `Authorization:` headers, `password=…`, URL userinfo, or a
 * URL's query string (signed storage URLs).
 */
export function redactText(text: string): string {
  return secretPatterns.reduce((acc, re) => acc.replace(re, '$1***'), text);
}
