// stderr as a person at a terminal sees it: at most one live line at the bottom (the progress bar, redrawn in
// place) and everything else — pretty log lines, the end-of-run summary — written above it. Whoever writes a
// whole line to stderr while a live line may be showing goes through `writeAbove`, so the bar is never split by
// a log line nor left half-drawn under it.
/** The live line: writes whole lines above itself (clearing and redrawing itself around them). */
export interface LiveLine {
  writeAbove(text: string): void;
}

let live: LiveLine | null = null;

/** From now on (until `clearLiveLine`) writes above `line` clear it first and redraw it after. */
export function setLiveLine(line: LiveLine): void {
  live = line;
}

export function clearLiveLine(line: LiveLine): void {
  if (live === line) live = null;
}

/**
 * Writes `text` (whole lines) to `stream`, above the live line when there is one: stderr, or stdout on the same
 * terminal (the console table), which would otherwise be appended to the bar's line.
 */
export function writeAbove(text: string, stream: NodeJS.WriteStream = process.stderr): void {
  // stdout on the terminal is written through the live line, on stderr: the same screen, in order.
  if (live !== null && (stream === process.stderr || stream.isTTY === true)) live.writeAbove(text);
  else stream.write(text);
}

/** The console table's stream: stdout, written above the progress bar. */
export const stdoutAboveLiveLine = {
  get isTTY(): boolean {
    return process.stdout.isTTY === true;
  },
  write: (text: string): boolean => {
    writeAbove(text, process.stdout);
    return true;
  },
};

/** NO_COLOR (no-color.org): present and not empty turns colour off. */
export function colourWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.NO_COLOR ?? '') === '';
}
