/**
 * Reading a kres-generated Makefile (siderolabs/pkgs, siderolabs/extensions) as text: the
 * `TARGETS`/`NONFREE_TARGETS` lists and top-level variable assignments such as `PKGS ?= …`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '@talos-kmod/common';

/** One top-level `NAME op value` assignment. */
export interface MakeAssignmentLine {
  readonly name: string;
  readonly op: '=' | '?=' | ':=' | '::=' | '+=';
  readonly value: string;
  /** 1-based line number. */
  readonly line: number;
}

/** A target of `TARGETS` or `NONFREE_TARGETS` with the line that adds it. */
export interface MakeTargetLine {
  readonly name: string;
  readonly line: number;
}

/** What the reader found in a Makefile. */
export interface MakefileInfo {
  /** `TARGETS = …` / `TARGETS += …` in file order. */
  readonly targets: readonly MakeTargetLine[];
  /** `NONFREE_TARGETS = …` / `+= …` in file order. */
  readonly nonfreeTargets: readonly MakeTargetLine[];
  /** Every top-level assignment (the last one of a name is what make uses, unless `?=`). */
  readonly assignments: readonly MakeAssignmentLine[];
}

const assignment = /^([A-Za-z_][A-Za-z0-9_]*)\s*(\?=|::=|:=|\+=|=)\s*(.*)$/;

/** Parses Makefile text. Recipe lines (tab-indented) and `define` bodies are skipped. */
export function parseMakefile(text: string): MakefileInfo {
  const targets: MakeTargetLine[] = [];
  const nonfree: MakeTargetLine[] = [];
  const assignments: MakeAssignmentLine[] = [];
  const lines = text.split(/\r?\n/);
  let inDefine = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (/^(export\s+)?define\s/.test(line)) inDefine = true;
    if (inDefine) {
      if (/^endef\b/.test(line)) inDefine = false;
      continue;
    }
    if (line.startsWith('\t') || line.startsWith('#')) continue;
    const m = assignment.exec(line);
    if (!m) continue;
    const [, name = '', op = '=', rawValue = ''] = m;
    const value = rawValue.replace(/\s+#.*$/, '').trim();
    assignments.push({ name, op: op as MakeAssignmentLine['op'], value, line: i + 1 });
    const list = name === 'TARGETS' ? targets : name === 'NONFREE_TARGETS' ? nonfree : undefined;
    if (!list) continue;
    if (op !== '+=') list.length = 0;
    for (const t of value.split(/\s+/).filter(Boolean)) list.push({ name: t, line: i + 1 });
  }
  return { targets, nonfreeTargets: nonfree, assignments };
}

/** The value a simple top-level variable would default to (`NAME ?= v`, `NAME := v`, `NAME = v`). */
export function makeVariable(info: MakefileInfo, name: string): string | undefined {
  let value: string | undefined;
  for (const a of info.assignments) {
    if (a.name !== name) continue;
    if (a.op === '+=') value = value === undefined ? a.value : `${value} ${a.value}`;
    else if (a.op === '?=') value ??= a.value;
    else value = a.value;
  }
  return value;
}

/** Reads `<dir>/Makefile`; a missing file is a {@link InputError} that says what `dir` should be. */
export async function readMakefile(dir: string, what: string): Promise<MakefileInfo> {
  const path = join(dir, 'Makefile');
  try {
    return parseMakefile(await readFile(path, 'utf8'));
  } catch (e: unknown) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new InputError(`'${dir}' is not ${what}: it has no Makefile (looked for ${path})`, {
        cause: e,
      });
    }
    throw e;
  }
}
