import type { VmClient } from '../../src/client/client.js';
import type { TestBackend } from '../integration/harness.js';

/** The password every invited test user sets at first login. */
export const OWN_PASSWORD = 'own-password-1';

/**
 * A user invited by `admin`, optionally given one role over one group (or the company with `null`),
 * logged in with the one-time password from the outbox and then their own password.
 */
export async function invite(
  b: TestBackend,
  admin: VmClient,
  email: string,
  grant?: { role: string; group: string | null },
): Promise<VmClient> {
  await admin.call('users.create', { body: { name: email, email } });
  if (grant) {
    await admin.call('users.grant', {
      params: { id: email },
      body: grant.group ? { role: grant.role, group: grant.group } : { role: grant.role, company: true },
    });
  }
  const client = await b.loginAs(email, oneTimePasswordOf(b, email));
  await client.call('me.password', {
    body: { oldPassword: oneTimePasswordOf(b, email), newPassword: OWN_PASSWORD },
  });
  return client;
}

/** The newest one-time password the outbox holds for this login. */
export function oneTimePasswordOf(b: TestBackend, email: string): string {
  // The outbox lists the newest first.
  for (const n of b.services.store.audit.outbox(email)) {
    const password = /One-time password: (\S+)\./.exec(n.text)?.[1];
    if (password) return password;
  }
  return '';
}

/** The audit rows of one action, newest last. */
export function auditOf(
  b: TestBackend,
  action: string,
): { actor: string; result: string; target: string | null }[] {
  return b
    .db()
    .prepare<[string], { actor: string; result: string; target: string | null }>(
      'SELECT actor, result, target FROM audit WHERE action = ? ORDER BY id',
    )
    .all(action);
}
