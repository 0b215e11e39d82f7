/** The source of "now" for everything time-dependent: idle expiry, lockouts, scheduling, billing. */
export interface Clock {
  now(): Date;
}

/** The wall clock. */
export class SystemClock implements Clock {
  now(): Date {
    return new Date();
  }
}

/** A clock that only moves when told to: tests and demos drive time with it. */
export class ManualClock implements Clock {
  private current: number;
  constructor(start: Date) {
    this.current = start.getTime();
  }
  now(): Date {
    return new Date(this.current);
  }
  set(time: Date): void {
    this.current = time.getTime();
  }
  advance(seconds: number): void {
    this.current += seconds * 1000;
  }
}
