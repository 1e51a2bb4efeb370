/** Names for the ELF `e_machine` values Linux modules are built for (from elf.h). */
const MACHINES: Record<number, string> = {
  2: 'sparc',
  3: 'i386',
  8: 'mips',
  20: 'ppc',
  21: 'ppc64',
  22: 's390',
  40: 'arm',
  42: 'sh',
  43: 'sparcv9',
  62: 'x86_64',
  183: 'aarch64',
  243: 'riscv',
  258: 'loongarch',
};

/** A short machine name, or `unknown (n)`. */
export function machineName(machine: number): string {
  return MACHINES[machine] ?? `unknown (${machine})`;
}
