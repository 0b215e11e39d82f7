import { runVm } from '../support/run-vm.js';

describe('vm demo (the README’s first command)', () => {
  it('tours every step without an unexpected error and exits 0 by itself', async () => {
    const r = await runVm(['demo'], { env: { NO_COLOR: '1' } });
    expect(r.code).toBe(0);
    // Every refusal the tour shows on purpose says so in its heading; the only one is the wrong password.
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('vm:'));
    expect(errors).toEqual([expect.stringMatching(/Wrong login or password/)]);
    expect(r.stdout).toMatch(/# Login history/);
    expect(r.stdout).toMatch(/Try it by hand/);
  }, 120_000);
});
