import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { Stats, StatsWindow } from '@hookline/sdk';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { useClient } from '../api/client-context';
import { ErrorMessage, Loading } from '../components/common.components';

const COLORS = { succeeded: '#2e7d32', failed: '#c62828', retried: '#ef8f00' };
const CHART_HEIGHT = 200;

const tick = (iso: string) =>
  new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });

/**
 * Attempts per step by outcome and latency p50/p99, for one webhook or the whole project, over the
 * last hour or day (from the API's stats aggregate). Refreshed every 15 s while shown.
 */
export function DeliveryCharts({ webhookId }: { webhookId?: string }) {
  const client = useClient();
  const [window, setWindow] = useState<StatsWindow>('1h');
  const stats = useQuery<Stats>({
    queryKey: ['stats', webhookId ?? null, window],
    queryFn: () =>
      webhookId ? client.stats.webhook(webhookId, window) : client.stats.project(window),
    placeholderData: keepPreviousData,
    refetchInterval: 15_000,
  });
  const step = stats.data ? stats.data.step_seconds / 60 : 1;
  const totals = stats.data?.totals;

  return (
    <section className="charts" aria-label="Delivery charts" data-testid="delivery-charts">
      <div className="title-row">
        <h2>Activity</h2>
        <div className="row" role="group" aria-label="Time window">
          {(['1h', '24h'] as const).map((w) => (
            <button
              key={w}
              type="button"
              className={w === window ? '' : 'secondary'}
              aria-pressed={w === window}
              onClick={() => setWindow(w)}
            >
              {w === '1h' ? 'Last hour' : 'Last 24 h'}
            </button>
          ))}
        </div>
      </div>
      {stats.isLoading && <Loading what="charts" />}
      <ErrorMessage error={stats.error} />
      {totals && (
        <p className="muted small" data-testid="stats-totals">
          {totals.succeeded} succeeded · {totals.failed} failed · {totals.retried} retried · success
          rate {rate(totals.success_rate)} · p50 {ms(totals.latency_p50_ms)} · p99{' '}
          {ms(totals.latency_p99_ms)}
        </p>
      )}
      {stats.data && (
        <div className="chart-grid">
          <figure>
            <figcaption>Attempts per {step === 1 ? 'minute' : `${step} minutes`}</figcaption>
            <ResponsiveContainer width="100%" height={CHART_HEIGHT}>
              <BarChart data={stats.data.series}>
                <CartesianGrid strokeDasharray="3 3" vertical={false} />
                <XAxis dataKey="at" tickFormatter={tick} minTickGap={24} />
                <YAxis allowDecimals={false} width={40} />
                <Tooltip labelFormatter={(at) => new Date(String(at)).toLocaleString()} />
                <Legend />
                {(['succeeded', 'retried', 'failed'] as const).map((k) => (
                  <Bar
                    key={k}
                    dataKey={k}
                    stackId="outcome"
                    fill={COLORS[k]}
                    isAnimationActive={false}
                  />
                ))}
              </BarChart>
            </ResponsiveContainer>
          </figure>
          <figure>
            <figcaption>Latency (ms, upper bound of the bucket)</figcaption>
            <ResponsiveContainer width="100%" height={CHART_HEIGHT}>
              <LineChart data={stats.data.series}>
                <CartesianGrid strokeDasharray="3 3" vertical={false} />
                <XAxis dataKey="at" tickFormatter={tick} minTickGap={24} />
                <YAxis width={48} />
                <Tooltip labelFormatter={(at) => new Date(String(at)).toLocaleString()} />
                <Legend />
                <Line
                  dataKey="latency_p50_ms"
                  name="p50"
                  stroke="#1565c0"
                  dot={{ r: 2 }}
                  connectNulls
                  isAnimationActive={false}
                />
                <Line
                  dataKey="latency_p99_ms"
                  name="p99"
                  stroke="#6a1b9a"
                  dot={{ r: 2 }}
                  connectNulls
                  isAnimationActive={false}
                />
              </LineChart>
            </ResponsiveContainer>
          </figure>
        </div>
      )}
    </section>
  );
}

export const rate = (r: number | null) => (r === null ? '—' : `${(r * 100).toFixed(1)} %`);
const ms = (v: number | null) => (v === null ? '—' : `≤${v} ms`);
