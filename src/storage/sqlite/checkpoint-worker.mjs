// The checkpoint thread (see checkpointer.ts): its own connection to the database copies the
// WAL into the database file when asked, with synchronous = FULL, so SQLite syncs the WAL
// before copying and the database file before it lets the WAL be reused. Plain JavaScript:
// it needs nothing but better-sqlite3, and starts without loading TypeScript.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

const db = new Database(workerData.path);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = FULL');

parentPort.on('message', (message) => {
  if (message.type === 'close') {
    db.close();
    parentPort.postMessage({ type: 'closed' });
    return;
  }
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ type: 'checkpointed', ok: true });
  } catch {
    // Busy or failed: the next request tries again, and nothing is lost meanwhile.
    parentPort.postMessage({ type: 'checkpointed', ok: false });
  }
});
