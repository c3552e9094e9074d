/**
 * Capped exponential backoff with jitter, for reconnect loops (client-go reflector defaults: 800 ms
 * doubling to 30 s). Jitter spreads many informers reconnecting after one server restart.
 */
import { checkNumber } from './ratelimit.js';

/** Options of {@link Backoff}. */
export interface BackoffOptions {
  /** First delay in ms. Default 800. */
  readonly initialMs?: number;
  /** Longest delay in ms (jitter included). Default 30,000. */
  readonly maxMs?: number;
  /** Growth per failure. Default 2. */
  readonly factor?: number;
  /** Up to this fraction of the delay is added at random. Default 0.5. */
  readonly jitter?: number;
  /** Random numbers in [0, 1); injectable for deterministic tests. Default `Math.random`. */
  readonly random?: () => number;
}

/** A backoff sequence; {@link next} grows it, {@link reset} starts over after a success. */
export class Backoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private readonly jitter: number;
  private readonly random: () => number;
  private attempt = 0;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 800;
    this.maxMs = options.maxMs ?? 30_000;
    this.factor = options.factor ?? 2;
    this.jitter = options.jitter ?? 0.5;
    this.random = options.random ?? Math.random;
    checkNumber('initialMs', this.initialMs, 0);
    checkNumber('maxMs', this.maxMs, this.initialMs);
    checkNumber('factor', this.factor, 1);
    checkNumber('jitter', this.jitter, 0);
  }

  /** The delay before the next attempt, in ms. */
  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * this.factor ** this.attempt);
    this.attempt++;
    return Math.min(this.maxMs, Math.round(base * (1 + this.jitter * this.random())));
  }

  /** Forgets past failures. */
  reset(): void {
    this.attempt = 0;
  }
}
