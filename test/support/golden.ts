/**
 * Whether a golden-file test rewrites its `.out` files instead of comparing: `UPDATE_GOLDEN=1` on
 * a workstation, where the diff is then reviewed and committed. Refused under `CI`: there a
 * rewrite would turn every comparison into a pass.
 */
export function updateGolden(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.UPDATE_GOLDEN !== '1') return false;
  if (env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0')
    throw new Error(
      'UPDATE_GOLDEN=1 is refused under CI: golden files are rewritten on a workstation, reviewed and committed; unset UPDATE_GOLDEN',
    );
  return true;
}
