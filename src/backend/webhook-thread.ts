/**
 * The webhook sender in a thread of its own (worker_threads): a subscription's deliveries go one at a
 * time, and each waits for the event loop to see its answer and send the next. On the HTTP thread a
 * bulk operation's chunks (~15 ms each) stood between every two, ~60 deliveries a second; here they go
 * as fast as the receiver answers. No SQLite here: the HTTP thread's queue (engine/webhook-delivery.ts)
 * reads the deliveries, checks the creator's rights and writes the outcomes; this thread signs and sends
 * the batches it is handed, in order, stopping at the first failure. Started by server.ts when the
 * backend runs built (dist/webhook-thread.js); from the TypeScript sources the queue sends itself.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { WebhookSender, sendInOrder, type BatchItem } from './engine/webhook-sender.js';

/** What the queue hands over: a batch of one subscription's deliveries. */
export interface SendBatch {
  batch: number;
  url: string;
  key: Uint8Array;
  items: BatchItem[];
  budgetMs: number;
}

const { allowPrivate } = workerData as { allowPrivate: boolean };
const sender = new WebhookSender({ allowPrivate });
let open = 0;
let stopping = false;

parentPort?.on('message', (m: SendBatch | 'stop') => {
  if (m === 'stop') {
    // Attempts in flight come back aborted (they stay pending); then the thread ends.
    stopping = true;
    sender.close();
    if (open === 0) parentPort?.close();
    return;
  }
  open++;
  void sendInOrder(sender, m.url, m.key, m.items, m.budgetMs).then((results) => {
    parentPort?.postMessage({ batch: m.batch, results });
    if (--open === 0 && stopping) parentPort?.close();
  });
});
