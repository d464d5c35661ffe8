// The state's global stop switch for ASM scans: state administrators stop (with a reason, after confirmation)
// and resume; everyone else sees only a banner while scanning is stopped.
import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, api } from '../../api/client.js';
import type { Me } from '../../api/types.js';
import { Banner } from '../../components/Banner.js';
import { Button } from '../../components/Button.js';
import { ConfirmDialog } from '../../components/ConfirmDialog.js';
import { TextField } from '../../components/Field.js';
import { useI18n } from '../../i18n/i18n.js';
import type { AsmStopState } from './types.js';

export function StopSwitch({ me }: { me: Me }) {
  const { t, locale, dateTime } = useI18n();
  const admin = me.role === 'state_admin';
  const [state, setState] = useState<AsmStopState | null>(null);
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const msg = (e: unknown) => (e instanceof ApiError ? e.localized(locale) : String(e));
  useEffect(() => {
    api
      .get<AsmStopState>('/asm/stop')
      .then(setState)
      .catch((e: unknown) => setError(msg(e)));
  }, []);
  const set = async (stopped: boolean) => {
    setConfirming(false);
    try {
      setState(
        await api.put<AsmStopState>('/asm/stop', stopped ? { stopped, reason: reason.trim() } : { stopped }),
      );
      setReason('');
    } catch (e) {
      setError(msg(e));
    }
  };
  const ask = (e: FormEvent) => {
    e.preventDefault();
    setReasonError(null);
    if (!reason.trim()) return setReasonError(t('asm.stop.reasonMissing'));
    setConfirming(true);
  };
  const banner =
    state?.stopped === true ? (
      <Banner kind="warning" title={t('asm.stop.stoppedBanner')}>
        <p>
          {t('asm.stop.stoppedDetail', {
            reason: state.reason ?? '—',
            at: state.at ? dateTime(state.at) : '—',
          })}
        </p>
      </Banner>
    ) : null;
  if (!admin) return error ? null : banner;
  return (
    <section className="card" aria-labelledby="asm-stop-h">
      <h2 id="asm-stop-h" className="card-title">
        {t('asm.stop.title')}
      </h2>
      {error ? <Banner kind="error" title={error} onClose={() => setError(null)} /> : null}
      {state === null ? (
        <p>{t('common.loading')}</p>
      ) : state.stopped ? (
        <>
          {banner}
          <div className="button-row">
            <Button onClick={() => void set(false)}>{t('asm.stop.resume')}</Button>
          </div>
        </>
      ) : (
        <>
          <p data-testid="asm-stop-state">{t('asm.stop.running')}</p>
          <form onSubmit={ask} className="filter-grid" noValidate>
            <TextField
              label={t('asm.stop.reason')}
              required
              error={reasonError}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
            />
            <div className="form-actions form-span">
              <Button type="submit" variant="danger">
                {t('asm.stop.stop')}
              </Button>
            </div>
          </form>
        </>
      )}
      {confirming ? (
        <ConfirmDialog
          open={confirming}
          title={t('asm.stop.confirmTitle')}
          body={t('asm.stop.confirmBody', { reason: reason.trim() })}
          confirmLabel={t('asm.stop.stop')}
          onConfirm={() => void set(true)}
          onCancel={() => setConfirming(false)}
        />
      ) : null}
    </section>
  );
}
