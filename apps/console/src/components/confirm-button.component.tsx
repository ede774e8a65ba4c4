import { useRef } from 'react';

/**
 * A button that asks first, in a native <dialog>: it traps focus, closes on Escape and returns
 * focus to the button, so the confirmation works from the keyboard.
 */
export function ConfirmButton(props: {
  label: string;
  question: string;
  confirmLabel: string;
  onConfirm: () => void;
  disabled?: boolean;
  danger?: boolean;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  return (
    <>
      <button
        type="button"
        className={props.danger ? 'danger' : undefined}
        disabled={props.disabled}
        onClick={() => dialog.current?.showModal()}
      >
        {props.label}
      </button>
      <dialog ref={dialog} aria-label={props.question}>
        <form method="dialog">
          <p>{props.question}</p>
          <div className="row">
            <button value="cancel" className="secondary" autoFocus>
              Cancel
            </button>
            <button
              value="confirm"
              className={props.danger ? 'danger' : undefined}
              onClick={props.onConfirm}
            >
              {props.confirmLabel}
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}
