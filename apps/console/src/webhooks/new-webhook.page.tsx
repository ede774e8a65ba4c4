import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useClient } from '../api/client-context';
import { SecretOnce } from '../components/common.components';
import { href, navigate } from '../routing/hash-route';
import { WebhookForm } from './webhook-form.component';

export function NewWebhookPage() {
  const client = useClient();
  const queries = useQueryClient();
  const create = useMutation({
    mutationFn: (
      input: Parameters<typeof client.webhooks.create>[2] & {
        url: string;
        events: string[];
      },
    ) => {
      const { url, events, ...opts } = input;
      return client.webhooks.create(url, events, opts);
    },
    onSuccess: () => queries.invalidateQueries({ queryKey: ['webhooks'] }),
  });

  return (
    <main>
      <p>
        <a href={href({ page: 'webhooks' })}>← Webhooks</a>
      </p>
      <h1>Add an endpoint</h1>
      {create.data ? (
        <>
          <p>
            Created <strong>{create.data.url}</strong> ({create.data.id}).
          </p>
          <SecretOnce
            secret={create.data.secret}
            onDone={() => navigate({ page: 'webhook', id: create.data.id })}
          />
        </>
      ) : (
        <WebhookForm
          submitLabel="Create webhook"
          pending={create.isPending}
          error={create.error}
          onSubmit={(input) => create.mutate(input)}
        />
      )}
    </main>
  );
}
