// What the bench's hand-written SVG charts (chart.ts, latency-chart.ts, soak-chart.ts) share.

/** Text made safe for an SVG element or attribute. */
export const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
