import type { WaitReason } from '../../client/client.js';
import type { MessageKey, Translate } from '../i18n/index.js';

/** A wait this long looks like a hang to someone watching; shorter ones pass unremarked. */
export const LONG_WAIT_MS = 2_000;

const MESSAGES: Record<WaitReason, MessageKey> = {
  rate_limited: 'msg.waitRateLimited',
  unavailable: 'msg.waitUnavailable',
  network: 'msg.waitNetwork',
};

/**
 * Tells a person at a terminal, once a run, why vm is quiet: the first wait of LONG_WAIT_MS or more
 * (a rate limit, a busy backend) gets a line on stderr; later ones do not, so a slow listing is not
 * buried in notes. Meant for a terminal only: scripts get nothing, -v gets every wait.
 */
export function waitNotice(
  stderr: NodeJS.WritableStream,
  t: Translate,
): (reason: WaitReason, ms: number) => void {
  let told = false;
  return (reason, ms) => {
    if (told || ms < LONG_WAIT_MS) return;
    told = true;
    // The spinner's line is cleared first, so the note is a line of its own.
    stderr.write(`\r\x1b[2K${t(MESSAGES[reason], { seconds: Math.ceil(ms / 1000) })}\n`);
  };
}
