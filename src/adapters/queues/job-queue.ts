/** The Queues adapter of the JobQueue port (the `verification-jobs` producer). */
import type { JobQueue } from "../../ports";

export function queueJobQueue(queue: Queue): JobQueue {
  return {
    async enqueue(job) {
      await queue.send(job, { contentType: "json" });
    },
  };
}
