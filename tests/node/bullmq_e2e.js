// BullMQ end to end against a server on $PORT (Lacewing or redis-server): bulk and single
// adds, delayed and prioritized jobs, retries with backoff, a flow (parent with children) and
// QueueEvents; every job must complete exactly once. Prints a JSON summary; exit code 0 = ok.
// Optional $PREFIX sets BullMQ's key prefix (e.g. "{bq}" for --lock_on_hashtags).
const { Queue, Worker, QueueEvents, FlowProducer } = require('bullmq');

const port = Number(process.env.PORT || 6379);
const prefix = process.env.PREFIX || 'bull';
const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
const name = 'e2e';

async function main() {
  const queue = new Queue(name, { connection, prefix });
  const events = new QueueEvents(name, { connection, prefix });
  await events.waitUntilReady();
  const flow = new FlowProducer({ connection, prefix });

  const runs = new Map();      // job id -> number of processor runs that succeeded
  const attempts = new Map();  // job id -> number of processor calls
  const order = [];
  const worker = new Worker(name, async (job) => {
    attempts.set(job.id, (attempts.get(job.id) || 0) + 1);
    if (job.data.failTimes && job.attemptsMade < job.data.failTimes) {
      throw new Error('planned failure ' + job.attemptsMade);
    }
    runs.set(job.id, (runs.get(job.id) || 0) + 1);
    order.push(job.name);
    if (job.name === 'parent') {
      const children = await job.getChildrenValues();
      return { children: Object.keys(children).length };
    }
    return { ok: job.id };
  }, { connection, prefix, concurrency: 4 });

  const completedEvents = new Set();
  events.on('completed', ({ jobId }) => completedEvents.add(jobId));

  const expected = [];
  const bulk = await queue.addBulk(
      Array.from({ length: 20 }, (_, i) => ({ name: 'bulk', data: { i } })));
  expected.push(...bulk.map((j) => j.id));
  for (let i = 0; i < 10; i++) expected.push((await queue.add('single', { i })).id);
  expected.push((await queue.add('delayed', {}, { delay: 300 })).id);
  for (const p of [3, 1, 2]) expected.push((await queue.add('prio', { p }, { priority: p })).id);
  const retry = await queue.add('retry', { failTimes: 2 },
                                { attempts: 3, backoff: { type: 'fixed', delay: 100 } });
  expected.push(retry.id);
  const tree = await flow.add({
    name: 'parent', queueName: name, data: {},
    children: [1, 2, 3].map((c) => ({ name: 'child', queueName: name, data: { c } })),
  });
  expected.push(tree.job.id, ...tree.children.map((c) => c.job.id));
  const waited = await retry.waitUntilFinished(events, 20000);

  const deadline = Date.now() + 20000;
  while (Date.now() < deadline) {
    const done = expected.every((id) => runs.get(id) === 1 && completedEvents.has(id));
    if (done) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 300));  // a duplicate run would show up by now
  const counts = await queue.getJobCounts('completed', 'failed', 'waiting', 'delayed', 'active');
  const parent = await queue.getJob(tree.job.id);
  const summary = {
    expected: expected.length,
    completedOnce: expected.filter((id) => runs.get(id) === 1).length,
    duplicates: [...runs.entries()].filter(([, n]) => n > 1).map(([id]) => id),
    missingEvents: expected.filter((id) => !completedEvents.has(id)),
    retryAttempts: attempts.get(retry.id),
    retryResult: waited,
    parentResult: parent && parent.returnvalue,
    counts,
  };
  await worker.close();
  await events.close();
  await flow.close();
  await queue.obliterate({ force: true });
  await queue.close();
  const ok = summary.completedOnce === expected.length && summary.duplicates.length === 0 &&
      summary.missingEvents.length === 0 && summary.retryAttempts === 3 &&
      counts.completed === expected.length && counts.failed === 0 &&
      summary.parentResult && summary.parentResult.children === 3;
  console.log(JSON.stringify(summary));
  process.exit(ok ? 0 : 1);
}

main().catch((e) => {
  console.error('ERROR', e && e.stack || e);
  process.exit(2);
});
