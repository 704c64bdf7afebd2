// stderr as a person at a terminal sees it: at most one live line at the bottom (the progress bar, redrawn in
// place) and everything else — pretty log lines, the end-of-run summary — written above it. Whoever writes a
// whole line to stderr while a live line may be showing goes through `writeAbove`, so the bar is never split by
// a log line nor left half-drawn under it.
import { clearLine, cursorTo } from 'node:readline';

/** The live line: drawn again after each write above it. */
export interface LiveLine {
  redraw(): void;
}

let live: LiveLine | null = null;

/** From now on (until `clearLiveLine`) writes above `line` clear it first and redraw it after. */
export function setLiveLine(line: LiveLine): void {
  live = line;
}

export function clearLiveLine(line: LiveLine): void {
  if (live === line) live = null;
}

/** Writes `text` (whole lines) to stderr, above the live line when there is one. */
export function writeAbove(text: string): void {
  if (live === null) {
    process.stderr.write(text);
    return;
  }
  clearLine(process.stderr, 0);
  cursorTo(process.stderr, 0);
  process.stderr.write(text);
  live.redraw();
}

/** NO_COLOR (no-color.org): present and not empty turns colour off. */
export function colourWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.NO_COLOR ?? '') === '';
}
