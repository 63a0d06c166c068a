import { rowIndexOf, rowLabel } from './seat-labels.ts';

/**
 * An event's layout: its sections in seat order. Seats are numbered 1..total row-major through
 * the sections one after another, and rows continue across sections (Floor rows A–J, Balcony
 * rows K–P), so a label (`K12`) names one seat of the event. An event created with one price is
 * one section; the last row of a section may be shorter (seat_count < row_count × seats_per_row).
 */
export interface Section {
  section_no: number;
  name: string;
  first_seat_no: number;
  seat_count: number;
  /** 0-based index of its first row in the event (row letters: 0 → A). */
  first_row: number;
  row_count: number;
  seats_per_row: number;
  /** numeric(12,2) as text. */
  price: string;
}

export interface SectionPlan {
  name: string;
  rows: number;
  seats_per_row: number;
  /** Exact decimal text. */
  price: string;
}

/** Places sections one after another (seat numbers and rows), each with full rows. */
export function layOutSections(plans: readonly SectionPlan[]): Section[] {
  let seatNo = 1;
  let row = 0;
  return plans.map((p, i) => {
    const s: Section = {
      section_no: i + 1,
      name: p.name,
      first_seat_no: seatNo,
      seat_count: p.rows * p.seats_per_row,
      first_row: row,
      row_count: p.rows,
      seats_per_row: p.seats_per_row,
      price: p.price,
    };
    seatNo += s.seat_count;
    row += p.rows;
    return s;
  });
}

/** The single-price layout of an event without sections: one section, last row possibly short. */
export function singleSection(totalSeats: number, seatsPerRow: number, price: string, name = 'General'): Section {
  return {
    section_no: 1,
    name,
    first_seat_no: 1,
    seat_count: totalSeats,
    first_row: 0,
    row_count: Math.ceil(totalSeats / seatsPerRow),
    seats_per_row: seatsPerRow,
    price,
  };
}

/** The section a seat number lies in (sections are few: a linear scan). */
export function sectionOfSeat(sections: readonly Section[], seatNo: number): Section | undefined {
  return sections.find((s) => seatNo >= s.first_seat_no && seatNo < s.first_seat_no + s.seat_count);
}

/** The 0-based row index (in the event) of a seat of this section. */
export function rowOfSeat(section: Section, seatNo: number): number {
  return section.first_row + Math.floor((seatNo - section.first_seat_no) / section.seats_per_row);
}

/** The label of a seat number (`A1`, `K12`), or undefined outside the layout. */
export function labelOfSeat(sections: readonly Section[], seatNo: number): string | undefined {
  const s = sectionOfSeat(sections, seatNo);
  if (!s) return undefined;
  return rowLabel(rowOfSeat(s, seatNo)) + String(((seatNo - s.first_seat_no) % s.seats_per_row) + 1);
}

const LABEL = /^([A-Z]{1,4})([1-9][0-9]{0,3})$/;

/** The seat number of a label in the layout, or undefined when no such seat exists. */
export function seatNoOfLabel(sections: readonly Section[], label: string): number | undefined {
  const m = LABEL.exec(label);
  if (!m) return undefined;
  const row = rowIndexOf(m[1]!);
  const number = Number(m[2]);
  const s = sections.find((x) => row >= x.first_row && row < x.first_row + x.row_count);
  if (!s || number > s.seats_per_row) return undefined;
  const seatNo = s.first_seat_no + (row - s.first_row) * s.seats_per_row + number - 1;
  return seatNo < s.first_seat_no + s.seat_count ? seatNo : undefined;
}
