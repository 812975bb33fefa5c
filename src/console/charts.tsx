/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * Server-rendered SVG charts for the console: a horizontal bar chart (one bar per category) and a small vertical
 * bar series (one bar per period). No script and no external asset, so they pass the console's strict CSP.
 *
 * Each chart is a `<figure>`: an `<svg role="img">` named by its `<title>` and `<desc>`, and the same numbers in a
 * table, so a screen reader (and whoever wants the exact figures) reads the table rather than the geometry. Text is
 * drawn in the console's ink colour on white (over 15:1); bars use the accent colour (over 3:1 against white, as
 * graphics need). The geometry is in pure functions so it can be checked without rendering.
 */

/** One bar: its label, its value (what the length is proportional to) and how the value is written. */
export interface ChartDatum {
  label: string;
  value: number;
  /** The value as shown next to the bar and in the table; the number itself when absent. */
  text?: string;
}

/** A datum placed on the chart (SVG user units). */
export interface PlacedBar extends Required<ChartDatum> {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ChartProps {
  /** Unique in the page: the ids of the chart's title, description and table derive from it. */
  id: string;
  title: string;
  /** One sentence for screen readers: what the chart shows and its largest value. */
  description?: string;
  data: ChartDatum[];
  /** The full scale; the largest value when absent (e.g. 1 for rates, so 50 % is half the width). */
  max?: number;
  /** Heading of the table's label column. */
  labelHeading?: string;
  /** Heading of the table's value column. */
  valueHeading?: string;
}

const INK = "#1a1a1a";
const BAR = "#0b4f9c";
const AXIS = "#767676";

/** Horizontal bar chart layout: the label column, the bars, and room for the value after the longest bar. */
export const HBAR = { width: 640, labelWidth: 200, valueWidth: 80, barHeight: 20, gap: 8, padding: 8 } as const;
/** Series chart layout: bars over a baseline with the period labels below. */
export const SERIES = { width: 640, height: 200, padding: 8, labelHeight: 20, valueHeight: 16 } as const;

/** A value a bar can be drawn from: finite and not negative (anything else draws as zero). */
const drawable = (value: number) => (Number.isFinite(value) && value > 0 ? value : 0);

/** The full scale for `data`: `max` when given and positive, else the largest value; 0 when nothing is drawable. */
function scaleOf(data: ChartDatum[], max?: number): number {
  if (max !== undefined && drawable(max) > 0) return max;
  return data.reduce((m, d) => Math.max(m, drawable(d.value)), 0);
}

const rounded = (n: number) => Math.round(n * 100) / 100;

/**
 * Places each datum as a horizontal bar whose width is proportional to its value against the scale; zero,
 * negative and non-finite values give zero-width bars, and an empty list gives a chart of only its padding.
 *
 * @example
 * horizontalBars([{ label: "verified", value: 3 }, { label: "rejected", value: 1 }]).bars.map((b) => b.width); // [360, 120]
 */
export function horizontalBars(data: ChartDatum[], max?: number): { width: number; height: number; bars: PlacedBar[] } {
  const plot = HBAR.width - HBAR.labelWidth - HBAR.valueWidth;
  const scale = scaleOf(data, max);
  const bars = data.map((d, i) => ({
    label: d.label,
    value: d.value,
    text: d.text ?? String(d.value),
    x: HBAR.labelWidth,
    y: HBAR.padding + i * (HBAR.barHeight + HBAR.gap),
    width: scale === 0 ? 0 : rounded((Math.min(drawable(d.value), scale) / scale) * plot),
    height: HBAR.barHeight,
  }));
  const height = HBAR.padding * 2 + Math.max(0, data.length * (HBAR.barHeight + HBAR.gap) - HBAR.gap);
  return { width: HBAR.width, height, bars };
}

/**
 * Places each point of a series as a vertical bar in its own slot, heights proportional to the values; the
 * baseline is at `baseline`, period labels go below it.
 *
 * @example
 * seriesBars([{ label: "12-01", value: 2 }, { label: "12-02", value: 4 }]).bars.map((b) => b.height); // [74, 148]
 */
export function seriesBars(data: ChartDatum[], max?: number): { width: number; height: number; baseline: number; bars: PlacedBar[] } {
  const baseline = SERIES.height - SERIES.padding - SERIES.labelHeight;
  const plotHeight = baseline - SERIES.padding - SERIES.valueHeight;
  const slot = data.length ? (SERIES.width - SERIES.padding * 2) / data.length : 0;
  const scale = scaleOf(data, max);
  const bars = data.map((d, i) => {
    const height = scale === 0 ? 0 : rounded((Math.min(drawable(d.value), scale) / scale) * plotHeight);
    return {
      label: d.label,
      value: d.value,
      text: d.text ?? String(d.value),
      x: rounded(SERIES.padding + i * slot + slot * 0.15),
      y: rounded(baseline - height),
      width: rounded(slot * 0.7),
      height,
    };
  });
  return { width: SERIES.width, height: SERIES.height, baseline, bars };
}

/** The numbers behind a chart, as a table. */
function DataTable(props: ChartProps & { bars: PlacedBar[] }) {
  return (
    <table class="chart-data" id={`${props.id}-table`}>
      <caption>{props.title}</caption>
      <thead>
        <tr>
          <th scope="col">{props.labelHeading ?? "Category"}</th>
          <th scope="col">{props.valueHeading ?? "Value"}</th>
        </tr>
      </thead>
      <tbody>
        {props.bars.map((b) => (
          <tr>
            <th scope="row">{b.label}</th>
            <td>{b.text}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Empty(props: { id: string; title: string }) {
  return (
    <figure class="chart" id={props.id}>
      <figcaption>{props.title}</figcaption>
      <p class="hint">Nothing in this period.</p>
    </figure>
  );
}

/**
 * A horizontal bar chart with its data table; a note instead of the chart when `data` is empty.
 *
 * @example
 * <BarChart id="by-status" title="Created, by status" data={[{ label: "verified", value: 3 }]} />
 */
export function BarChart(props: ChartProps) {
  if (!props.data.length) return <Empty id={props.id} title={props.title} />;
  const { width, height, bars } = horizontalBars(props.data, props.max);
  return (
    <figure class="chart" id={props.id}>
      <figcaption>{props.title}</figcaption>
      <svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox={`0 0 ${width} ${height}`} width={width} height={height} aria-labelledby={`${props.id}-title ${props.id}-desc`}>
        <title id={`${props.id}-title`}>{props.title}</title>
        <desc id={`${props.id}-desc`}>{props.description ?? describe(bars)}</desc>
        <line x1={HBAR.labelWidth} y1={0} x2={HBAR.labelWidth} y2={height} stroke={AXIS} stroke-width="1" />
        {bars.map((b) => (
          <g>
            <text x={HBAR.labelWidth - 6} y={b.y + b.height / 2} fill={INK} font-size="13" text-anchor="end" dominant-baseline="middle">
              {clip(b.label, 28)}
            </text>
            <rect class="bar" x={b.x} y={b.y} width={b.width} height={b.height} fill={BAR} data-value={String(b.value)} />
            <text x={b.x + b.width + 6} y={b.y + b.height / 2} fill={INK} font-size="13" dominant-baseline="middle">
              {b.text}
            </text>
          </g>
        ))}
      </svg>
      <DataTable {...props} bars={bars} />
    </figure>
  );
}

/**
 * A small vertical bar series (one bar per period) with its data table; a note instead when `data` is empty.
 *
 * @example
 * <SeriesChart id="per-day" title="Created per day" data={[{ label: "12-01", value: 2 }, { label: "12-02", value: 0 }]} />
 */
export function SeriesChart(props: ChartProps) {
  if (!props.data.length) return <Empty id={props.id} title={props.title} />;
  const { width, height, baseline, bars } = seriesBars(props.data, props.max);
  return (
    <figure class="chart" id={props.id}>
      <figcaption>{props.title}</figcaption>
      <svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox={`0 0 ${width} ${height}`} width={width} height={height} aria-labelledby={`${props.id}-title ${props.id}-desc`}>
        <title id={`${props.id}-title`}>{props.title}</title>
        <desc id={`${props.id}-desc`}>{props.description ?? describe(bars)}</desc>
        <line x1={SERIES.padding} y1={baseline} x2={width - SERIES.padding} y2={baseline} stroke={AXIS} stroke-width="1" />
        {bars.map((b) => (
          <g>
            <rect class="bar" x={b.x} y={b.y} width={b.width} height={b.height} fill={BAR} data-value={String(b.value)} />
            <text x={rounded(b.x + b.width / 2)} y={b.y - 4} fill={INK} font-size="12" text-anchor="middle">
              {b.text}
            </text>
            <text x={rounded(b.x + b.width / 2)} y={baseline + 15} fill={INK} font-size="12" text-anchor="middle">
              {clip(b.label, 10)}
            </text>
          </g>
        ))}
      </svg>
      <DataTable {...props} labelHeading={props.labelHeading ?? "Period"} bars={bars} />
    </figure>
  );
}

/**
 * The default description: how many bars and which is largest.
 *
 * @example
 * describe(horizontalBars([{ label: "a", value: 1 }, { label: "b", value: 3 }]).bars); // "2 bars; the largest is b: 3."
 */
export function describe(bars: Pick<PlacedBar, "label" | "value" | "text">[]): string {
  const top = bars.reduce<(typeof bars)[number] | null>((best, b) => (best === null || drawable(b.value) > drawable(best.value) ? b : best), null);
  if (!top || drawable(top.value) === 0) return `${bars.length} bar${bars.length === 1 ? "" : "s"}, all zero.`;
  return `${bars.length} bar${bars.length === 1 ? "" : "s"}; the largest is ${top.label}: ${top.text}.`;
}

/** A label cut to `max` characters with an ellipsis (the table keeps it whole). */
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
