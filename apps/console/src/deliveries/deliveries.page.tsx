import { DeliveryCharts } from '../stats/delivery-charts.component';
import { DeliveryLog } from './delivery-log.component';

/** The whole project's delivery log, every webhook, with the project's charts above it. */
export function DeliveriesPage() {
  return (
    <main>
      <h1>Deliveries</h1>
      <DeliveryCharts />
      <section>
        <h2>Log</h2>
        <DeliveryLog />
      </section>
    </main>
  );
}
