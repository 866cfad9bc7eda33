/** Reading the Grafana dashboard JSON (docker/grafana/dashboards) for tests. */

export interface Dashboard {
  readonly uid: string;
  readonly panels: readonly {
    readonly id: number;
    readonly type: string;
    readonly title: string;
    readonly gridPos: { x: number; y: number; w: number; h: number };
    readonly targets?: readonly { expr: string; datasource?: { uid?: string } }[];
  }[];
  readonly annotations?: {
    readonly list: readonly { expr?: string; name: string; datasource?: { uid?: string } }[];
  };
}

export interface DashboardQuery {
  readonly panel: string;
  readonly expr: string;
  readonly datasourceUid: string | undefined;
}

/** Every PromQL query of the dashboard: panel targets and annotations. */
export function dashboardQueries(d: Dashboard): DashboardQuery[] {
  const out: DashboardQuery[] = [];
  for (const p of d.panels)
    for (const t of p.targets ?? [])
      out.push({ panel: p.title, expr: t.expr, datasourceUid: t.datasource?.uid });
  for (const a of d.annotations?.list ?? [])
    if (a.expr !== undefined)
      out.push({ panel: `annotation ${a.name}`, expr: a.expr, datasourceUid: a.datasource?.uid });
  return out;
}

/** Metric names used as selectors (a name directly followed by `{`: every query here writes one). */
export function metricNames(expr: string): string[] {
  return [...expr.matchAll(/([a-zA-Z_:][\w:]*)\s*\{/g)].map((m) => m[1]!);
}

/** The query as Prometheus would receive it from Grafana: dashboard variables substituted. */
export function grafanaExpand(expr: string): string {
  return expr.replaceAll('$__rate_interval', '1m').replaceAll('$instance', '.*');
}
