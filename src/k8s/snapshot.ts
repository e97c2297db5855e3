/**
 * One snapshot store per kind of object a component watches: list, then watch from the list's
 * resourceVersion, re-list when the watch ends or expires (410 Gone), back off on errors.
 * Readers see a consistent Map and one 'change' event per update; nobody polls the API.
 */
import { EventEmitter } from 'node:events';
import type { Kube, Obj, Query } from './client.js';

export class Snapshot extends EventEmitter {
  readonly objects = new Map<string, Obj>();
  private abort?: AbortController;
  private stopped = false;
  private retryMs = 250;
  private synced!: Promise<void>;

  constructor(
    private readonly kube: Kube,
    private readonly path: string,
    private readonly query: Query = {},
  ) {
    super();
  }

  static key(o: Obj): string {
    return `${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
  }

  /**
   * Resolves after the first successful list. Failures (a CRD's storage still initializing,
   * 429; the API server restarting) are emitted as 'error' and retried with backoff.
   */
  start(): Promise<void> {
    this.synced = new Promise<void>((resolve) => {
      this.onSynced = resolve;
      void this.cycle();
    });
    return this.synced;
  }

  private onSynced?: () => void;

  /** 'error' is informational here (every failure is retried): never an unhandled throw. */
  private warn(e: unknown): void {
    if (this.listenerCount('error') > 0) this.warn(e);
  }

  private async cycle(): Promise<void> {
    if (this.stopped) return;
    let rv: string | undefined;
    try {
      const list = await this.kube.list(this.path, this.query);
      rv = list.metadata.resourceVersion;
      const seen = new Set<string>();
      for (const o of list.items) {
        const k = Snapshot.key(o);
        seen.add(k);
        this.objects.set(k, o);
      }
      for (const k of [...this.objects.keys()]) if (!seen.has(k)) this.objects.delete(k);
      this.retryMs = 250;
      this.onSynced?.();
      this.onSynced = undefined;
      this.emit('change', undefined);
    } catch (e) {
      this.warn(e);
      return this.later();
    }
    try {
      this.abort = await this.kube.watch(
        this.path,
        { ...this.query, resourceVersion: rv },
        (type, obj) => {
          if (type === 'BOOKMARK' || type === 'ERROR') return;
          const k = Snapshot.key(obj);
          if (type === 'DELETED') this.objects.delete(k);
          else this.objects.set(k, obj);
          this.emit('change', obj);
        },
        (err) => {
          if (err && !this.stopped && !/aborted/i.test(String((err as Error).message ?? err))) this.warn(err);
          void this.later();
        },
      );
    } catch (e) {
      this.warn(e);
      void this.later();
    }
  }

  private async later(): Promise<void> {
    if (this.stopped) return;
    await new Promise((r) => setTimeout(r, this.retryMs));
    this.retryMs = Math.min(this.retryMs * 2, 5000);
    return this.cycle();
  }

  list(): Obj[] {
    return [...this.objects.values()];
  }

  stop(): void {
    this.stopped = true;
    this.abort?.abort();
  }
}
