const money = new Intl.NumberFormat('en', { style: 'currency', currency: 'EUR' });
const dateTime = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' });

export const formatMoney = (amount: number): string => money.format(amount);
export const formatDate = (iso: string): string => dateTime.format(new Date(iso));

export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const m = Math.floor(total / 60);
  const s = total % 60;
  return `${m}:${String(s).padStart(2, '0')}`;
}
