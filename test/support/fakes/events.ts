// The EventsPublisher port in memory: keeps every event the pipeline hands it, and can be told to fail the next
// calls (as a topic outage would: the events are held and sent again with the next call, as the real publisher does,
// or dropped) or to break its promise and throw, to show that nothing upstream depends on it.
import type { ComplianceCloudEvent } from '../../../src/events-out/events.js';
import type { EventsPublisher, EventsPublisherStats, PublishEventsResult } from '../../../src/ports.js';

export type FakePublishFailure = 'hold' | 'drop' | 'throw';

export class RecordingEventsPublisher implements EventsPublisher {
  readonly enabled = true;
  /** Every event accepted, in order; a resent event appears again. */
  readonly sent: ComplianceCloudEvent[] = [];
  /** Every publish() call, with the events it was given. */
  readonly calls: ComplianceCloudEvent[][] = [];
  #pending: ComplianceCloudEvent[] = [];
  #failures: FakePublishFailure[] = [];
  readonly #totals = { sent: 0, dropped: 0, failedRequests: 0 };

  /** The next `count` calls fail this way. */
  failNext(count: number, how: FakePublishFailure): void {
    for (let i = 0; i < count; i += 1) this.#failures.push(how);
  }

  async publish(events: readonly ComplianceCloudEvent[]): Promise<PublishEventsResult> {
    this.calls.push([...events]);
    const failure = this.#failures.shift();
    if (failure === 'throw') throw new Error('the fake publisher broke its promise');
    const work = [...this.#pending.splice(0), ...events];
    if (failure === 'hold' || failure === 'drop') {
      this.#totals.failedRequests += 1;
      if (failure === 'hold') this.#pending.push(...work);
      else this.#totals.dropped += work.length;
      const held = failure === 'hold' ? work.length : 0;
      return { sent: 0, dropped: work.length - held, pending: this.#pending.length, failures: [{ code: 'Http503', statusCode: 503, events: work.length, heldBack: held, dropped: work.length - held }] };
    }
    this.sent.push(...work);
    this.#totals.sent += work.length;
    return { sent: work.length, dropped: 0, pending: 0, failures: [] };
  }

  flush(): Promise<PublishEventsResult> {
    return this.publish([]);
  }

  stats(): EventsPublisherStats {
    return { ...this.#totals, retriedRequests: 0, pending: this.#pending.length };
  }

  /** The events sent, of one type (the part after the prefix: `ComplianceChanged`, ...). */
  ofType(kind: string): ComplianceCloudEvent[] {
    return this.sent.filter((event) => event.type === `AksBaselineGuard.${kind}`);
  }
}
