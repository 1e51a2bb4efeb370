import type { ModuleInfo, ModuleSignature } from './types';
import { colonHex, colonHexLines } from './internal/bytes';

/**
 * A module's fields in the order `modinfo` prints them: `filename` first when given, `.modinfo`
 * entries in file order, then `signed: yes|no` (ours, not modinfo's) and the signature, then
 * parameters (`parm` and `parmtype` merged into `name:description (type)`).
 */
export function modinfoEntries(
  info: ModuleInfo,
  fileName = info.fileName,
): { key: string; value: string }[] {
  const entries: { key: string; value: string }[] = [];
  const field = (key: string, value: string) => entries.push({ key, value });
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
    field('signature', colonHexLines(s.signature, 20).join('\n\t\t'));
  }
  for (const p of parameters(info)) field('parm', p);
  return entries;
}

/**
 * Formats a module's fields the way `modinfo` prints them: `key:` padded to 16 columns, in the
 * order of {@link modinfoEntries}. `show` renders each key and value taken from the module (a
 * display escapes control characters there); the signature's hex lines are ours and kept.
 */
export function formatModinfo(
  info: ModuleInfo,
  fileName = info.fileName,
  show: (text: string) => string = (text) => text,
): string[] {
  return modinfoEntries(info, fileName).map(
    (e) => `${`${show(e.key)}:`.padEnd(16)}${e.key === 'signature' ? e.value : show(e.value)}`,
  );
}

/**
 * What `modinfo -F <field>` prints: the values of that field, one per entry, in order (none when
 * the module has no such field, as modinfo prints nothing then), each rendered by `show` but the
 * signature's hex lines.
 */
export function modinfoField(
  info: ModuleInfo,
  field: string,
  fileName = info.fileName,
  show: (text: string) => string = (text) => text,
): string[] {
  return modinfoEntries(info, fileName)
    .filter((e) => e.key === field)
    .map((e) => (e.key === 'signature' ? e.value : show(e.value)));
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
