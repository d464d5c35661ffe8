// Digital Agency button: solid-fill / outline / text variants, sizes lg–xs. A disabled button keeps its focus
// (aria-disabled) so keyboard and screen-reader users can still find it; clicks are swallowed instead.
import type { ButtonHTMLAttributes, MouseEvent } from 'react';

export type ButtonVariant = 'solid' | 'outline' | 'text' | 'danger';
export type ButtonSize = 'lg' | 'md' | 'sm' | 'xs';

export interface ButtonProps extends Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'disabled'> {
  variant?: ButtonVariant;
  size?: ButtonSize;
  disabled?: boolean;
  busy?: boolean;
}

export function Button({
  variant = 'solid',
  size = 'md',
  disabled = false,
  busy = false,
  className,
  onClick,
  type = 'button',
  children,
  ...rest
}: ButtonProps) {
  const inert = disabled || busy;
  const handle = (e: MouseEvent<HTMLButtonElement>) => {
    if (inert) {
      e.preventDefault();
      return;
    }
    onClick?.(e);
  };
  return (
    <button
      type={type}
      className={['btn', `btn-${variant}`, `btn-${size}`, className].filter(Boolean).join(' ')}
      aria-disabled={inert || undefined}
      aria-busy={busy || undefined}
      onClick={handle}
      {...rest}
    >
      {busy ? <span className="spinner" aria-hidden="true" /> : null}
      {children}
    </button>
  );
}
