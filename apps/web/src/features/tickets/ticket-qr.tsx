import { useMemo } from 'react';
import QRCode from 'qrcode';

/**
 * A ticket's QR code as SVG, drawn from the qrcode package's module matrix (no canvas, no
 * innerHTML): one path of dark squares, with the 4-module quiet zone scanners need.
 */
export function TicketQr({ code, label, size = 220 }: { code: string; label: string; size?: number }) {
  const { path, modules } = useMemo(() => {
    const qr = QRCode.create(code, { errorCorrectionLevel: 'M' });
    const n = qr.modules.size;
    let d = '';
    for (let row = 0; row < n; row++) {
      for (let col = 0; col < n; col++) if (qr.modules.get(row, col)) d += `M${col + 4} ${row + 4}h1v1h-1z`;
    }
    return { path: d, modules: n + 8 };
  }, [code]);
  return (
    <svg
      className="ticket-qr"
      role="img"
      aria-label={label}
      width={size}
      height={size}
      viewBox={`0 0 ${modules} ${modules}`}
      shapeRendering="crispEdges"
      data-code={code}
    >
      <rect width={modules} height={modules} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}
