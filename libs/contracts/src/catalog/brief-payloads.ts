/**
 * Payloads the brief documents for the built-in types, as the services send them. Every one must
 * publish and arrive unchanged; the catalog, ingest and fan-out tests replay them.
 */
export const BRIEF_PAYLOADS = [
  {
    // Hop's webhook documentation, "Body Example": numbers as strings, no deployment or project id.
    event: 'ignite.deployment.container.metrics_update',
    data: {
      metrics: {
        memory_usage_percent: '0.07',
        memory_usage_bytes: 393216,
        cpu_usage_percent: '0.00',
      },
      container_id: 'container_MTkzMDc3MjExODczMDc5MzAx',
    },
  },
] as const;
