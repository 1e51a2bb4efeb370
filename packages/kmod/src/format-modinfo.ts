import type { ModuleInfo, ModuleSignature } from './types';
import { colonHex, colonHexLines } from './internal/bytes';

/**
 * Formats a module's fields the way `modinfo` prints them: `key:` padded to 16 columns, `.modinfo`
 * entries in file order, then the signature (with `signed: yes|no` before it), then parameters
 * (`parm` and `parmtype` merged into `name:description (type)`). `filename` comes first when given.
 */
export function formatModinfo(info: ModuleInfo, fileName = info.fileName): string[] {
  const lines: string[] = [];
  const field = (key: string, value: string) => lines.push(`${`${key}:`.padEnd(16)}${value}`);
  if (fileName !== undefined) field('filename', fileName);
  for (const e of info.modinfo) {
    if (e.key !== 'parm' && e.key !== 'parmtype') field(e.key, e.value);
  }
  field('signed', info.signed ? 'yes' : 'no');
  if (info.signature) {
    const s = info.signature;
    field('sig_id', s.sigId);
    field('signer', s.signer);
    field('sig_key', s.keyId);
    field('sig_hashalgo', s.hashAlgo);
    lines.push(`${'signature:'.padEnd(16)}${colonHexLines(s.signature, 20).join('\n\t\t')}`);
  }
  for (const p of parameters(info)) field('parm', p);
  return lines;
}

/** `parm`/`parmtype` entries merged per parameter, last-seen parameter first (as modinfo lists them). */
function parameters(info: ModuleInfo): string[] {
  const params = new Map<string, { desc?: string; type?: string }>();
  for (const e of info.modinfo) {
    if (e.key !== 'parm' && e.key !== 'parmtype') continue;
    const colon = e.value.indexOf(':');
    const name = colon < 0 ? e.value : e.value.slice(0, colon);
    const rest = colon < 0 ? '' : e.value.slice(colon + 1);
    const p = params.get(name) ?? {};
    if (e.key === 'parm') p.desc = rest;
    else p.type = rest;
    params.set(name, p);
  }
  return [...params]
    .reverse()
    .map(([name, p]) =>
      p.desc === undefined
        ? `${name}:${p.type ?? ''}`
        : `${name}:${p.desc}${p.type === undefined ? '' : ` (${p.type})`}`,
    );
}

/** A JSON-friendly copy of a {@link ModuleInfo}: the signature bytes become colon hex. */
export function moduleInfoToJson(info: ModuleInfo): Omit<ModuleInfo, 'signature'> & {
  signature?: Omit<ModuleSignature, 'signature'> & { signature: string };
} {
  const { signature, ...rest } = info;
  return signature
    ? { ...rest, signature: { ...signature, signature: colonHex(signature.signature) } }
    : rest;
}
