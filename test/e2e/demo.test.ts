import { parseTsv } from '../support/bulk.js';
import { runVm, type RunVmResult } from '../support/run-vm.js';

/** The output of the tour step whose heading is `# note` (up to the next heading). */
function step(stdout: string, note: string): string {
  const start = stdout.indexOf(`\n# ${note}\n`);
  if (start < 0) throw new Error(`no step "${note}" in:\n${stdout}`);
  const body = stdout.slice(start + note.length + 4);
  const end = body.indexOf('\n# ');
  return end < 0 ? body : body.slice(0, end);
}

/** The TSV a step printed after its `$ vm …` line. */
function tsvOf(stdout: string, note: string): Record<string, string>[] {
  return parseTsv(step(stdout, note).split('\n').slice(1).join('\n').trim()).rows;
}

describe('vm demo (the README’s first command)', () => {
  let r: RunVmResult;

  beforeAll(async () => {
    // An admin token left in the shell must change nothing the tour shows.
    r = await runVm(['demo'], {
      env: { NO_COLOR: '1', VM_TOKEN: 'vmt_left_in_the_shell' },
      timeoutMs: 120_000,
    });
  }, 130_000);

  it('tours every step without an unexpected error and exits 0 by itself', () => {
    expect(r.code).toBe(0);
    // Every refusal the tour shows on purpose says so in its heading; the only one is the wrong password.
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('vm:'));
    expect(errors).toEqual([expect.stringMatching(/Wrong login or password/)]);
    expect(r.stdout).toMatch(/# Login history/);
    expect(r.stdout).toMatch(/Try it by hand/);
  });

  it('shows the manager only numbers of the Sales subtree', () => {
    const rows = tsvOf(r.stdout, 'Sales numbers, as the manager');
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.groupPath).toMatch(/^HQ\/Sales(\/|$)/);
  });

  it('shows the limit passed in the period it was passed, and the block it made', () => {
    const [limit, ...more] = tsvOf(r.stdout, 'The limit was passed: blocked by an operation');
    expect(more).toEqual([]);
    expect(limit).toMatchObject({ monthly: '300.00', action: 'block', breached: 'true' });
    expect(Number(limit?.spent)).toBeGreaterThan(300);
    const ops = tsvOf(r.stdout, 'Operations, with the one the limit made');
    expect(ops).toContainEqual(
      expect.objectContaining({
        type: 'number.block',
        state: 'succeeded',
        params: '{"reason":"limit_exceeded"}',
      }),
    );
  });
});
