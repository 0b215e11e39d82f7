const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * A spinner on stderr (a terminal only) for requests in flight: it appears after `delayMs`, so quick
 * answers show nothing, and slow ones never leave the user staring at a silent terminal.
 */
export class Spinner {
  private active = 0;
  private delay?: NodeJS.Timeout;
  private tick?: NodeJS.Timeout;
  private frame = 0;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly text: string,
    private readonly delayMs = 100,
  ) {}

  /** A request started. */
  start(): void {
    if (this.active++ > 0 || this.tick || this.delay) return;
    this.delay = setTimeout(() => {
      this.delay = undefined;
      this.tick = setInterval(() => this.draw(), 80);
      this.tick.unref();
      this.draw();
    }, this.delayMs);
    this.delay.unref();
  }

  /** A request ended. */
  stop(): void {
    if (this.active > 0) this.active--;
    if (this.active > 0) return;
    if (this.delay) clearTimeout(this.delay);
    this.delay = undefined;
    if (this.tick) {
      clearInterval(this.tick);
      this.tick = undefined;
      this.out.write('\r\x1b[2K');
    }
  }

  private draw(): void {
    this.out.write(`\r${FRAMES[this.frame++ % FRAMES.length]} ${this.text}`);
  }
}
