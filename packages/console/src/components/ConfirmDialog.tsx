// Modal confirmation on the native <dialog>: the browser traps focus and Escape cancels.
import { useEffect, useRef } from 'react';
import { useI18n } from '../i18n/i18n.js';
import { Button } from './Button.js';

export function ConfirmDialog({
  open,
  title,
  body,
  confirmLabel,
  onConfirm,
  onCancel,
}: {
  open: boolean;
  title: string;
  body: string;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby="dlg-title"
      aria-describedby="dlg-body"
      onCancel={onCancel}
    >
      <h2 id="dlg-title">{title}</h2>
      <p id="dlg-body">{body}</p>
      <div className="button-row button-row-end">
        <Button variant="outline" onClick={onCancel}>
          {t('common.cancel')}
        </Button>
        <Button variant="danger" onClick={onConfirm}>
          {confirmLabel}
        </Button>
      </div>
    </dialog>
  );
}
