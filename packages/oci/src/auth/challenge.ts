/** `WWW-Authenticate` challenges (RFC 7235) as registries send them. */

/** One parsed challenge: the scheme (lower case) and its parameters (names lower case). */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

const tokenChar = /[\w!#$%&'*+.^`|~-]/;

/**
 * Parses a `WWW-Authenticate` header: `Bearer realm="…",service="…",scope="…"` or `Basic
 * realm="…"`. Several challenges may be comma separated; values may be quoted or bare.
 */
export function parseChallenges(header: string | readonly string[] | undefined): Challenge[] {
  if (!header) return [];
  const text = typeof header === 'string' ? header : header.join(', ');
  const challenges: Challenge[] = [];
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && /[\s,]/.test(text[i] ?? '')) i++;
  };
  const readToken = () => {
    const start = i;
    while (i < text.length && tokenChar.test(text[i] ?? '')) i++;
    return text.slice(start, i);
  };
  let current: Challenge | undefined;
  while (i < text.length) {
    skipSpace();
    const token = readToken();
    if (!token) {
      i++;
      continue;
    }
    let j = i;
    while (j < text.length && text[j] === ' ') j++;
    if (text[j] !== '=') {
      current = { scheme: token.toLowerCase(), params: {} };
      challenges.push(current);
      continue;
    }
    i = j + 1;
    while (i < text.length && text[i] === ' ') i++;
    let value = '';
    if (text[i] === '"') {
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        value += text[i];
        i++;
      }
      i++;
    } else {
      const start = i;
      while (i < text.length && text[i] !== ',' && !/\s/.test(text[i] ?? '')) i++;
      value = text.slice(start, i);
    }
    if (current) current.params[token.toLowerCase()] = value;
  }
  return challenges;
}

/** The Bearer challenge when there is one, else the Basic one, else undefined. */
export function pickChallenge(challenges: readonly Challenge[]): Challenge | undefined {
  return (
    challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic')
  );
}
