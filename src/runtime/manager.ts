/**
 * The manager runs a process's {@link Runnable}s (controller-runtime's `manager`): everything starts at
 * once except runnables that need leader election, which start only while this replica holds the lease.
 * Losing the lease stops exactly those; the manager reports it through `onLeadershipLost` and the process
 * decides whether to exit (a fresh process is the simplest way to get a clean state).
 */
import { setMaxListeners } from 'node:events';
import { ConvergeError, ErrorCode } from '../errors/index.js';
import { silentLogger, type Logger } from '../observability/logger.js';

/** Something the manager starts and stops. */
export interface Runnable {
  /** Runs until `signal` aborts, then resolves; rejecting (before the abort) stops the whole manager. */
  start(signal: AbortSignal): Promise<void>;
  /** True for controllers: start only while leading. Default false. */
  readonly needLeaderElection?: boolean;
}

/** Callbacks of one leadership term. */
export interface LeadershipCallbacks {
  /** Called once when this replica becomes leader; `signal` aborts when the term ends. */
  onStartedLeading(signal: AbortSignal): void;
  /** Called once when the term ends, lost or released. */
  onStoppedLeading(): void;
}

/** What the manager needs from leader election (implemented by `LeaderElector`). */
export interface LeaderElection {
  /** Campaigns until elected, leads until the lease is lost or `signal` aborts; resolves after the term. */
  run(signal: AbortSignal, callbacks: LeadershipCallbacks): Promise<void>;
}

/** An election this replica always wins at once (single replica, tests); the term ends with `signal`. */
export const alwaysLeader: LeaderElection = {
  async run(signal, callbacks) {
    if (signal.aborted) return;
    const term = new AbortController();
    callbacks.onStartedLeading(term.signal);
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    term.abort();
    callbacks.onStoppedLeading();
  },
};

/** Options of {@link Manager}. */
export interface ManagerOptions {
  /** Without it every runnable starts at once (single replica). */
  readonly leaderElection?: LeaderElection;
  readonly logger?: Logger;
  /** Called when the lease is lost while the manager is still running. */
  readonly onLeadershipLost?: () => void;
}

/** See the module comment. */
export class Manager {
  private readonly options: ManagerOptions;
  private readonly logger: Logger;
  private readonly runnables: Runnable[] = [];
  private readonly running = new Set<Promise<void>>();
  private all: AbortController | undefined;
  private leaderSignal: AbortSignal | undefined;
  private failure: unknown;
  private leading = false;

  constructor(options: ManagerOptions = {}) {
    this.options = options;
    this.logger = (options.logger ?? silentLogger()).child({ component: 'manager' });
  }

  /** True while this replica may run leader-only runnables (always, without leader election). */
  isLeader(): boolean {
    return this.leading;
  }

  /** Adds a runnable; once the manager runs it starts at once (or when leading, if it needs the lease). */
  add(runnable: Runnable): void {
    this.runnables.push(runnable);
    const all = this.all;
    if (all === undefined || all.signal.aborted) return;
    if (!runnable.needLeaderElection) this.launch(runnable, all.signal);
    else if (this.leaderSignal !== undefined && !this.leaderSignal.aborted) this.launch(runnable, this.leaderSignal);
  }

  /**
   * Runs everything until `signal` aborts, then waits for every runnable to return. Rejects with the first
   * error a runnable failed with (which stops all the others).
   */
  async start(signal: AbortSignal): Promise<void> {
    if (this.all !== undefined) throw new ConvergeError(ErrorCode.Internal, 'manager already started');
    const all = new AbortController();
    // Every runnable (informers, controllers and their workers) listens on this one signal.
    setMaxListeners(0, all.signal);
    this.all = all;
    const onAbort = () => all.abort();
    if (signal.aborted) all.abort();
    else signal.addEventListener('abort', onAbort, { once: true });
    for (const r of this.runnables) if (!r.needLeaderElection) this.launch(r, all.signal);
    const election = this.options.leaderElection;
    let term: Promise<void> | undefined;
    if (election === undefined) this.lead(all.signal);
    else term = this.campaign(election, all.signal);
    if (!all.signal.aborted) await new Promise<void>((resolve) => all.signal.addEventListener('abort', () => resolve(), { once: true }));
    signal.removeEventListener('abort', onAbort);
    await term;
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
    if (this.failure !== undefined) throw this.failure;
  }

  private async campaign(election: LeaderElection, signal: AbortSignal): Promise<void> {
    try {
      await election.run(signal, {
        onStartedLeading: (leaderSignal) => this.lead(leaderSignal),
        onStoppedLeading: () => {
          this.leading = false;
          if (signal.aborted) return;
          this.logger.error('leadership lost; leader-only runnables stopped');
          this.options.onLeadershipLost?.();
        },
      });
    } catch (err) {
      this.fail(err);
    }
  }

  private lead(leaderSignal: AbortSignal): void {
    this.leading = true;
    this.leaderSignal = leaderSignal;
    this.logger.info('leading; starting leader-only runnables');
    for (const r of this.runnables) if (r.needLeaderElection) this.launch(r, leaderSignal);
  }

  private launch(runnable: Runnable, signal: AbortSignal): void {
    const run = (async () => {
      try {
        await runnable.start(signal);
      } catch (err) {
        if (!signal.aborted) this.fail(err);
        else this.logger.warn({ err }, 'runnable failed while stopping');
      }
    })();
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }

  private fail(err: unknown): void {
    this.logger.error({ err }, 'runnable failed; stopping the manager');
    this.failure ??= err;
    this.all?.abort();
  }
}
