/**
 * The history backfill in a thread of its own (worker_threads), with its own SQLite connection: making
 * and storing millions of days then costs the HTTP thread nothing — no CPU, no garbage in its heap, no
 * WAL checkpoint on its commits. WAL lets the HTTP thread read beside it; each slice is one short
 * transaction, so the HTTP thread's own rare writes wait at most one slice. Started by server.ts when
 * the backend runs built (dist/history-thread.js); from the TypeScript sources (the test runner) the
 * backfill runs in slices on the main thread instead, the same code.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { HistoryBackfill } from './engine/history.js';
import { Usage } from './engine/usage.js';
import { Store } from './store/store.js';

interface Start {
  dataDir: string;
  /** The HTTP thread's transactions in progress (Store.shareWriters): each slice waits for them. */
  writers: Int32Array;
}

const { dataDir, writers } = workerData as Start;
let stopping = false;
const GAP_MS = 1;
parentPort?.on('message', (m: unknown) => {
  if (m === 'stop') stopping = true;
});

/**
 * One slice; false when the history is in. SQLite's lock held past busy_timeout by the HTTP thread
 * (SQLITE_BUSY) rolled the slice back whole: the next turn does it again.
 */
function stepOrWait(history: HistoryBackfill): boolean {
  try {
    return history.step();
  } catch (err) {
    if ((err as { code?: unknown }).code === 'SQLITE_BUSY') return true;
    throw err;
  }
}

// A small page cache: the thread writes each page of history about once and reads little back (2 MB
// instead of 8 MB saved ~5 MB of RSS at 100,000 lines for the same CPU time).
const store = Store.open(dataDir, { cacheKb: 2000 });
store.yieldTo(writers);
try {
  const history = new HistoryBackfill(store, Usage.of(store), { budgetMs: 20 });
  // Until the history is in; then the thread ends (and its memory with it). A report over an older
  // period, later, is filled on the main thread: that is rare and short.
  while (!stopping) {
    // The HTTP thread's writes first (SQLite has one writer, and a waiting writer sleeps, retrying after
    // 1, 2, 5… ms: a thread that took the lock again at once would starve it — a session's last-seen
    // time once waited 800 ms). With none waiting, one slice; then a pause for the 'stop' message.
    await store.othersDone();
    if (stopping || !stepOrWait(history)) break;
    await new Promise((r) => setTimeout(r, GAP_MS));
  }
} finally {
  store.close({ checkpoint: false });
  // The message port keeps a thread alive: closed, the thread ends.
  parentPort?.close();
}
