// The seat map on a canvas: one rectangle per seat, only the visible ones drawn, redrawn in the
// next animation frame after a change. Pan by dragging (or arrow keys with Shift), zoom with the
// wheel or the buttons; a keyboard cursor moves seat by seat (arrow keys) and Enter or Space
// picks the seat under it.
import { useCallback, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import {
  AVAILABLE,
  BOOKED,
  indexOf,
  labelOf,
  positionOf,
  rowLabel,
  seatAt,
  sectionOf,
  STATUS_NAMES,
  type SeatModel,
} from '../../lib/seats/seat-model.ts';

const SEAT = 12; // world units per seat (10 drawn + gap)
const LABEL = 28; // room for row labels
export const COLORS = { available: '#2f7d32', held: '#d97706', booked: '#8a8f98', selected: '#1d4ed8', cursor: '#111827' };

interface View {
  x: number; // world coordinate at the canvas' left edge
  y: number;
  scale: number; // pixels per world unit
}

export interface SeatCanvasProps {
  model: SeatModel;
  version: number;
  selected: ReadonlySet<string>;
  onToggle: (label: string) => void;
  cursor: number;
  onCursor: (i: number) => void;
}

function lastSeatOfRow(model: SeatModel, row: number): number | undefined {
  for (let col = model.seatsPerRow - 1; col >= 0; col--) {
    const i = seatAt(model, row, col);
    if (i !== undefined) return i;
  }
  return undefined;
}

export function SeatCanvas({ model, version, selected, onToggle, cursor, onCursor }: SeatCanvasProps) {
  const wrap = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  // `measured`: the element's real size is known (fitting to the default would overflow a phone).
  const [size, setSize] = useState({ w: 600, h: 360, measured: false });
  const [view, setView] = useState<View>({ x: 0, y: 0, scale: 1 });
  const fitted = useRef(false);
  const drawn = useRef(false);
  const drag = useRef<{ x: number; y: number; vx: number; vy: number; moved: boolean } | null>(null);

  const worldW = LABEL + model.seatsPerRow * SEAT;
  const worldH = model.rowCount * SEAT;

  const fit = useCallback(() => {
    const scale = Math.min(size.w / worldW, size.h / worldH, 4);
    setView({ x: -(size.w / scale - worldW) / 2, y: -(size.h / scale - worldH) / 2, scale });
  }, [size, worldW, worldH]);

  // Follow the element's size (phone width included).
  useEffect(() => {
    const el = wrap.current;
    if (!el) return;
    const ro = new ResizeObserver(() => {
      const w = Math.max(200, Math.floor(el.clientWidth));
      const h = Math.max(220, Math.min(Math.floor(window.innerHeight * 0.6), Math.ceil((w * worldH) / worldW) + 8));
      setSize({ w, h, measured: true });
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [worldW, worldH]);

  useEffect(() => {
    if (!fitted.current && size.measured) {
      fitted.current = true;
      fit();
    }
  }, [fit, size]);

  // Draw.
  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    const frame = requestAnimationFrame(() => {
      const dpr = window.devicePixelRatio || 1;
      c.width = Math.round(size.w * dpr);
      c.height = Math.round(size.h * dpr);
      const ctx = c.getContext('2d');
      if (!ctx) return;
      if (!drawn.current) {
        drawn.current = true;
        // Read by the browser test of a 100,000-seat event (first draw time).
        performance.mark('seat-map:first-draw');
      }
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, size.w, size.h);
      const { x, y, scale } = view;
      const seatPx = SEAT * scale;
      const pad = seatPx > 3 ? Math.max(0.5, seatPx * 0.15) : 0;
      const r0 = Math.max(0, Math.floor(y / SEAT));
      const r1 = Math.min(model.rowCount - 1, Math.ceil((y + size.h / scale) / SEAT));
      const c0 = Math.max(0, Math.floor((x - LABEL) / SEAT));
      const c1 = Math.min(model.seatsPerRow - 1, Math.ceil((x + size.w / scale - LABEL) / SEAT));
      // How many seats are wholly in view (read by the browser tests: the first view fits the map).
      const whole = (lo: number, hi: number, n: number) => Math.max(0, Math.min(n - 1, hi) - Math.max(0, lo) + 1);
      const eps = 1e-6;
      const wholeCols = whole(
        Math.ceil((x - LABEL) / SEAT - eps),
        Math.floor((x + size.w / scale - LABEL) / SEAT + eps) - 1,
        model.seatsPerRow,
      );
      const wholeRows = whole(Math.ceil(y / SEAT - eps), Math.floor((y + size.h / scale) / SEAT + eps) - 1, model.rowCount);
      c.dataset.seatsInView = String(Math.min(model.total, wholeCols * wholeRows));
      const fills = [COLORS.available, COLORS.held, COLORS.booked];
      // One pass per colour: few canvas state changes even with 100,000 seats in view.
      for (let code = AVAILABLE; code <= BOOKED; code++) {
        ctx.fillStyle = fills[code]!;
        for (let r = r0; r <= r1; r++) {
          const py = (r * SEAT - y) * scale;
          for (let col = c0; col <= c1; col++) {
            const i = seatAt(model, r, col);
            if (i === undefined) break;
            if (model.status[i] !== code) continue;
            ctx.fillRect((LABEL + col * SEAT - x) * scale + pad / 2, py + pad / 2, seatPx - pad, seatPx - pad);
          }
        }
      }
      ctx.fillStyle = COLORS.selected;
      ctx.strokeStyle = '#ffffff';
      for (const label of selected) {
        const i = indexOf(model, label);
        if (i === undefined) continue;
        const p = positionOf(model, i);
        const px = (LABEL + p.col * SEAT - x) * scale;
        const py = (p.row * SEAT - y) * scale;
        ctx.fillRect(px, py, seatPx, seatPx);
      }
      if (cursor >= 0 && cursor < model.total) {
        ctx.strokeStyle = COLORS.cursor;
        ctx.lineWidth = 2;
        const p = positionOf(model, cursor);
        const px = (LABEL + p.col * SEAT - x) * scale;
        const py = (p.row * SEAT - y) * scale;
        ctx.strokeRect(px - 1, py - 1, Math.max(seatPx, 4) + 2, Math.max(seatPx, 4) + 2);
      }
      // Row labels when legible; seat numbers when zoomed in far enough.
      if (seatPx >= 9) {
        ctx.fillStyle = '#1f2937';
        ctx.font = `${Math.min(14, seatPx * 0.8)}px system-ui, sans-serif`;
        ctx.textBaseline = 'middle';
        for (let r = r0; r <= r1; r++) ctx.fillText(rowLabel(r), (2 - x) * scale, (r * SEAT - y + SEAT / 2) * scale);
      }
      if (seatPx >= 22) {
        ctx.fillStyle = '#ffffff';
        ctx.font = `${Math.floor(seatPx * 0.35)}px system-ui, sans-serif`;
        ctx.textAlign = 'center';
        for (let r = r0; r <= r1; r++) {
          for (let col = c0; col <= c1; col++) {
            const i = seatAt(model, r, col);
            if (i === undefined) break;
            ctx.fillText(String(col + 1), (LABEL + col * SEAT - x + SEAT / 2) * scale, (r * SEAT - y + SEAT / 2) * scale);
          }
        }
        ctx.textAlign = 'start';
      }
    });
    return () => cancelAnimationFrame(frame);
  }, [model, version, selected, cursor, view, size]);

  // Keep the cursor seat in view (a seat picked by number may be anywhere on a large map).
  useEffect(() => {
    if (cursor >= 0 && cursor < model.total) reveal(cursor);
  }, [cursor]);

  const zoomAt = useCallback((factor: number, px: number, py: number) => {
    setView((v) => {
      const scale = Math.min(40, Math.max(0.05, v.scale * factor));
      // keep the world point under (px, py) in place
      const wx = v.x + px / v.scale;
      const wy = v.y + py / v.scale;
      return { scale, x: wx - px / scale, y: wy - py / scale };
    });
  }, []);

  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const rect = c.getBoundingClientRect();
      zoomAt(e.deltaY < 0 ? 1.2 : 1 / 1.2, e.clientX - rect.left, e.clientY - rect.top);
    };
    c.addEventListener('wheel', onWheel, { passive: false });
    return () => c.removeEventListener('wheel', onWheel);
  }, [zoomAt]);

  function seatFromPoint(clientX: number, clientY: number): number | undefined {
    const rect = canvas.current!.getBoundingClientRect();
    const wx = view.x + (clientX - rect.left) / view.scale;
    const wy = view.y + (clientY - rect.top) / view.scale;
    return seatAt(model, Math.floor(wy / SEAT), Math.floor((wx - LABEL) / SEAT));
  }

  /** Scrolls the view so that seat i is visible (keyboard navigation). */
  function reveal(i: number) {
    const p = positionOf(model, i);
    const sx = LABEL + p.col * SEAT;
    const sy = p.row * SEAT;
    setView((v) => {
      const w = size.w / v.scale;
      const h = size.h / v.scale;
      let { x, y } = v;
      if (sx < x || sx + SEAT > x + w) x = sx - w / 2;
      if (sy < y || sy + SEAT > y + h) y = sy - h / 2;
      return { ...v, x, y };
    });
  }

  function onKeyDown(e: KeyboardEvent<HTMLCanvasElement>) {
    const cur = cursor >= 0 ? cursor : 0;
    let { row, col } = positionOf(model, cur);
    const panStep = 60 / view.scale;
    if (e.shiftKey && e.key.startsWith('Arrow')) {
      const d = { ArrowLeft: [-panStep, 0], ArrowRight: [panStep, 0], ArrowUp: [0, -panStep], ArrowDown: [0, panStep] }[e.key];
      if (d) setView((v) => ({ ...v, x: v.x + d[0]!, y: v.y + d[1]! }));
      e.preventDefault();
      return;
    }
    switch (e.key) {
      case 'ArrowLeft':
        col--;
        break;
      case 'ArrowRight':
        col++;
        break;
      case 'ArrowUp':
        row--;
        break;
      case 'ArrowDown':
        row++;
        break;
      case '+':
      case '=':
        zoomAt(1.4, size.w / 2, size.h / 2);
        e.preventDefault();
        return;
      case '-':
        zoomAt(1 / 1.4, size.w / 2, size.h / 2);
        e.preventDefault();
        return;
      case 'Enter':
      case ' ':
        if (cursor >= 0) onToggle(labelOf(model, cursor));
        e.preventDefault();
        return;
      default:
        return;
    }
    e.preventDefault();
    row = Math.max(0, Math.min(model.rowCount - 1, row));
    // A narrower row (another section) keeps the cursor at its last seat.
    const i = seatAt(model, row, Math.max(0, col)) ?? lastSeatOfRow(model, row);
    if (i !== undefined) onCursor(i);
  }

  return (
    <div className="seat-canvas" ref={wrap}>
      <div className="map-tools" role="group" aria-label="Map view">
        <button type="button" onClick={() => zoomAt(1.4, size.w / 2, size.h / 2)} aria-label="Zoom in">
          +
        </button>
        <button type="button" onClick={() => zoomAt(1 / 1.4, size.w / 2, size.h / 2)} aria-label="Zoom out">
          −
        </button>
        <button type="button" onClick={fit}>
          Fit
        </button>
      </div>
      <canvas
        ref={canvas}
        style={{ width: size.w, height: size.h }}
        tabIndex={0}
        role="img"
        aria-label={`Seat map, ${model.total.toLocaleString('en')} seats. Arrow keys move between seats, Enter picks a seat, plus and minus zoom.`}
        aria-describedby="seat-map-cursor"
        onKeyDown={onKeyDown}
        onFocus={() => cursor < 0 && onCursor(model.status.indexOf(AVAILABLE) >= 0 ? model.status.indexOf(AVAILABLE) : 0)}
        onPointerDown={(e) => {
          (e.target as HTMLCanvasElement).setPointerCapture(e.pointerId);
          drag.current = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y, moved: false };
        }}
        onPointerMove={(e) => {
          const d = drag.current;
          if (!d) return;
          const dx = e.clientX - d.x;
          const dy = e.clientY - d.y;
          if (Math.abs(dx) + Math.abs(dy) > 4) d.moved = true;
          if (d.moved) setView((v) => ({ ...v, x: d.vx - dx / v.scale, y: d.vy - dy / v.scale }));
        }}
        onPointerUp={(e) => {
          const d = drag.current;
          drag.current = null;
          if (d && !d.moved) {
            const i = seatFromPoint(e.clientX, e.clientY);
            if (i !== undefined) {
              onCursor(i);
              onToggle(labelOf(model, i));
            }
          }
        }}
      />
      <p id="seat-map-cursor" className="sr-only" aria-live="polite">
        {cursor >= 0 && cursor < model.total
          ? `Seat ${labelOf(model, cursor)} (${sectionOf(model, cursor)?.name ?? ''}), ${selected.has(labelOf(model, cursor)) ? 'selected' : STATUS_NAMES[model.status[cursor]!]}`
          : ''}
      </p>
    </div>
  );
}
