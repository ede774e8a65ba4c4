import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import type { HooklineClient, ProjectSummary } from '@hookline/sdk';
import {
  Empty,
  ErrorMessage,
  Loading,
  SecretOnce,
  formatTime,
} from '../components/common.components';

/**
 * The operator's view (signed in with HOOKLINE_ADMIN_TOKEN): every project, a new one, and for
 * each a new API key or a portal link. Keys and links are shown once, like a webhook's secret.
 */
export function OperatorPage({ client }: { client: HooklineClient }) {
  const id = useId();
  const queries = useQueryClient();
  const [name, setName] = useState('');
  const pages = useInfiniteQuery({
    queryKey: ['projects'],
    queryFn: ({ pageParam }) => client.projects.page({ limit: 50, cursor: pageParam }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const create = useMutation({
    mutationFn: (projectName: string) => client.projects.create(projectName),
    onSuccess: () => {
      setName('');
      void queries.invalidateQueries({ queryKey: ['projects'] });
    },
  });
  const projects = pages.data?.pages.flatMap((p) => p.data) ?? [];
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (name.trim()) create.mutate(name.trim());
  };

  return (
    <main>
      <h1>Projects</h1>
      <form className="form panel" onSubmit={submit} aria-label="Create a project">
        <label htmlFor={`${id}-name`}>New project's name</label>
        <input
          id={`${id}-name`}
          value={name}
          maxLength={200}
          required
          onChange={(e) => setName(e.target.value)}
        />
        <ErrorMessage error={create.error} />
        <button type="submit" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create project'}
        </button>
        {create.data && (
          <SecretOnce label={`API key of ${create.data.name}`} secret={create.data.api_key} />
        )}
      </form>
      {pages.isLoading && <Loading what="projects" />}
      <ErrorMessage error={pages.error} />
      {pages.isSuccess && projects.length === 0 && <Empty>No projects yet.</Empty>}
      {projects.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Project</th>
                <th>Created</th>
                <th>Access</th>
              </tr>
            </thead>
            <tbody>
              {projects.map((p) => (
                <ProjectRow key={p.id} project={p} client={client} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {pages.hasNextPage && (
        <button type="button" className="secondary" onClick={() => pages.fetchNextPage()}>
          Load more
        </button>
      )}
    </main>
  );
}

function ProjectRow({ project, client }: { project: ProjectSummary; client: HooklineClient }) {
  const [readOnly, setReadOnly] = useState(false);
  const key = useMutation({ mutationFn: () => client.projects.createKey(project.id) });
  const link = useMutation({
    mutationFn: () => client.portalSessions.create({ project_id: project.id, read_only: readOnly }),
  });
  return (
    <tr data-testid="project-row">
      <td>
        <strong>{project.name}</strong>
        <div className="muted small">{project.id}</div>
      </td>
      <td>{formatTime(project.created_at)}</td>
      <td>
        <div className="row">
          <button type="button" className="secondary" onClick={() => key.mutate()}>
            Mint an API key
          </button>
          <button type="button" className="secondary" onClick={() => link.mutate()}>
            Portal link
          </button>
          <label className="small">
            <input
              type="checkbox"
              checked={readOnly}
              onChange={(e) => setReadOnly(e.target.checked)}
            />{' '}
            read-only link
          </label>
        </div>
        <ErrorMessage error={key.error ?? link.error} />
        {key.data && <SecretOnce label="API key" secret={key.data.key} />}
        {link.data && (
          <SecretOnce
            label={`Portal link (until ${formatTime(link.data.expires_at)})`}
            secret={link.data.url}
          />
        )}
      </td>
    </tr>
  );
}
