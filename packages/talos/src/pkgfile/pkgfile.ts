/**
 * The `Pkgfile` at the root of siderolabs/pkgs and siderolabs/extensions: the bldr frontend line
 * (`# syntax = ghcr.io/siderolabs/bldr:<ver>`), `format:`, and the `vars:` section, read as text.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '@talos-kmod/common';
import { parseVarLines, splitLines, varRecord, type VarBlock, type VarLine } from './var-lines';

/** What a `Pkgfile` says, with line numbers (1-based) for editors. */
export interface Pkgfile {
  /** The frontend image from `# syntax = …`, e.g. `ghcr.io/siderolabs/bldr:v0.6.3`. */
  readonly syntax?: string;
  /** The `format:` value, e.g. `v1alpha2`. */
  readonly format?: string;
  /** Every variable of the `vars:` section, in file order. */
  readonly vars: readonly VarLine[];
  /** The variables grouped in blocks (Renovate comment + its variables). */
  readonly blocks: readonly VarBlock[];
  /**
   * Where the `vars:` section is: the `vars:` line, its last non-blank line, and the indentation
   * of its variables. Absent when the file has no `vars:` section.
   */
  readonly varsSection?: {
    readonly headerLine: number;
    readonly lastLine: number;
    readonly indent: string;
  };
  /** The line ending the file uses. */
  readonly eol: '\n' | '\r\n';
}

/** Parses `Pkgfile` text. Never throws: unknown lines are skipped. */
export function parsePkgfile(text: string): Pkgfile {
  const lines = splitLines(text);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  let syntax: string | undefined;
  let format: string | undefined;
  let header = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const s = /^#\s*syntax\s*=\s*(\S+)/.exec(line);
    if (s && syntax === undefined) syntax = s[1];
    const f = /^format:\s*["']?([^"'\s#]+)/.exec(line);
    if (f) format = f[1];
    if (/^vars:\s*(#.*)?$/.test(line)) {
      header = i;
      break;
    }
  }
  if (header < 0) {
    return {
      ...(syntax ? { syntax } : {}),
      ...(format ? { format } : {}),
      vars: [],
      blocks: [],
      eol,
    };
  }
  let end = header + 1;
  let last = header;
  let indent: string | undefined;
  for (; end < lines.length; end++) {
    const line = lines[end] ?? '';
    if (line.trim() === '') continue;
    const lead = /^(\s*)/.exec(line)?.[1] ?? '';
    if (lead === '' && !line.startsWith('#')) break;
    if (indent === undefined && lead !== '' && !line.trimStart().startsWith('#')) indent = lead;
    last = end;
  }
  for (let i = end; i < lines.length; i++) {
    const f = /^format:\s*["']?([^"'\s#]+)/.exec(lines[i] ?? '');
    if (f) format = f[1];
  }
  const section = parseVarLines(lines, header + 1, last + 1, indent ?? '  ');
  return {
    ...(syntax ? { syntax } : {}),
    ...(format ? { format } : {}),
    vars: section.vars,
    blocks: section.blocks,
    varsSection: { headerLine: header + 1, lastLine: last + 1, indent: indent ?? '  ' },
    eol,
  };
}

/** The `Pkgfile` variables as a name → value record. */
export function pkgfileVars(pkgfile: Pkgfile): Record<string, string> {
  return varRecord(pkgfile.vars);
}

/** Reads and parses `<dir>/Pkgfile`; a missing file is a {@link UserError} naming the path. */
export async function readPkgfile(dir: string): Promise<Pkgfile> {
  const path = join(dir, 'Pkgfile');
  try {
    return parsePkgfile(await readFile(path, 'utf8'));
  } catch (e: unknown) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new UserError(
        `no Pkgfile at ${path}: point the directory at a checkout of siderolabs/pkgs or siderolabs/extensions (or a fork)`,
        { cause: e },
      );
    }
    throw e;
  }
}
