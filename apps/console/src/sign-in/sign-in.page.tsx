import { useId, useState, type FormEvent } from 'react';
import { consoleClient, operatorClient } from '../api/console-client';
import { ErrorMessage } from '../components/common.components';
import type { ConsoleSession } from '../session/session.store';

/** Signs in with a project API key, checked by one call before it is kept. */
export function SignInPage(props: {
  notice: string | null;
  onSignedIn: (session: ConsoleSession) => void;
}) {
  const id = useId();
  const [key, setKey] = useState('');
  const [operator, setOperator] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [checking, setChecking] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const token = key.trim();
    if (!token)
      return setError(
        new Error(operator ? 'Enter the admin token.' : 'Enter a project API key (hlk_…).'),
      );
    setChecking(true);
    setError(null);
    try {
      if (operator) {
        await operatorClient(token).projects.page({ limit: 1 });
        props.onSignedIn({ token, admin: true });
      } else {
        await consoleClient(token).webhooks.page({ limit: 1 });
        props.onSignedIn({ token });
      }
    } catch (err) {
      setError(err);
    } finally {
      setChecking(false);
    }
  };

  return (
    <main className="sign-in">
      <h1>Hookline console</h1>
      {props.notice && (
        <p className="notice" role="status">
          {props.notice}
        </p>
      )}
      <form className="form" onSubmit={submit} aria-label="Sign in">
        <fieldset className="row" aria-label="Sign in as">
          <label>
            <input type="radio" name="as" checked={!operator} onChange={() => setOperator(false)} />{' '}
            Project
          </label>
          <label>
            <input type="radio" name="as" checked={operator} onChange={() => setOperator(true)} />{' '}
            Operator (admin token)
          </label>
        </fieldset>
        <label htmlFor={`${id}-key`}>{operator ? 'Admin token' : 'Project API key'}</label>
        <input
          id={`${id}-key`}
          name="api_key"
          type="password"
          autoComplete="off"
          value={key}
          onChange={(e) => setKey(e.target.value)}
          placeholder={operator ? 'HOOKLINE_ADMIN_TOKEN' : 'hlk_…'}
          autoFocus
        />
        <span className="help">
          Kept in this tab only (session storage). <code>npm start</code> prints a demo key.
        </span>
        <ErrorMessage error={error} />
        <button type="submit" disabled={checking}>
          {checking ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
