// @ts-check
'use strict';
// A series of events kept for a while (the dashboard's history, the per-space sizes of the leak
// report) in columns allocated once at their full size: a ring of rows whose fields are Float64Array numbers, with each row's kind of value
// in a Uint8Array (number, null, boolean, or a string kept as an index into a small table).
// Its retained memory is therefore the same after a minute as after a day, whatever the event
// rate, where a list of event objects grows with the rate until its window is full and keeps the
// garbage collector busy moving them. Values that fit no column (nested objects, too
// many distinct strings) are kept by reference in a slot array, also of fixed length; the
// long-running soak (bench/soak.js) measures the whole.

// What a cell holds.
const ABSENT = 0;
const NUMBER = 1;
const NULL = 2;
const STRING = 3;
const TRUE = 4;
const FALSE = 5;
// A value kept by reference, in the field's slot array.
const REFERENCE = 6;

// Distinct strings a field keeps as indexes; past this the field's strings are kept by reference,
// so a field of ever-new strings cannot grow the table.
const MAX_STRINGS_PER_FIELD = 64;
// Fields a series gets columns for; an event with more is kept whole, by reference.
const MAX_FIELDS = 48;

/** One field's column: its numbers, the kind of each cell, and what fits no number. */
class FieldColumn {
  /**
   * @param {string} name the field's key in the events
   * @param {number} capacity rows of the ring
   */
  constructor(name, capacity) {
    this.name = name;
    this.numbers = new Float64Array(capacity);
    this.kinds = new Uint8Array(capacity);
    /** @type {string[]} */
    this.strings = [];
    /** @type {Map<string, number>} */
    this.stringIndex = new Map();
    /** @type {unknown[] | null} made at full length when a first value needs it */
    this.references = null;
  }

  /** Stores `value` in row `row`. */
  set(row, value) {
    if (this.kinds[row] === REFERENCE) /** @type {unknown[]} */ (this.references)[row] = undefined;
    if (typeof value === 'number') {
      this.kinds[row] = NUMBER;
      this.numbers[row] = value;
    } else if (value === null) {
      this.kinds[row] = NULL;
    } else if (value === true || value === false) {
      this.kinds[row] = value ? TRUE : FALSE;
    } else if (typeof value === 'string' && this.#stringNumber(value) !== -1) {
      this.kinds[row] = STRING;
      this.numbers[row] = /** @type {number} */ (this.stringIndex.get(value));
    } else {
      this.references ??= new Array(this.numbers.length).fill(undefined);
      this.kinds[row] = REFERENCE;
      this.references[row] = value;
    }
  }

  /** Marks row `row` as not having this field. */
  clear(row) {
    if (this.kinds[row] === REFERENCE) /** @type {unknown[]} */ (this.references)[row] = undefined;
    this.kinds[row] = ABSENT;
  }

  /** Whether row `row` has this field. */
  has(row) {
    return this.kinds[row] !== ABSENT;
  }

  /** The value in row `row` (only where has(row)). */
  get(row) {
    switch (this.kinds[row]) {
      case NUMBER:
        return this.numbers[row];
      case NULL:
        return null;
      case TRUE:
        return true;
      case FALSE:
        return false;
      case STRING:
        return this.strings[this.numbers[row]];
      default:
        return /** @type {unknown[]} */ (this.references)[row];
    }
  }

  /** Bytes of the column's own storage (the referenced values not counted). */
  byteLength() {
    const references = this.references ? this.references.length * 8 : 0;
    const strings = this.strings.reduce((sum, s) => sum + s.length * 2, 0);
    return this.numbers.byteLength + this.kinds.byteLength + references + strings;
  }

  /** The string's index in the table, adding it while there is room; -1 when full. */
  #stringNumber(value) {
    let index = this.stringIndex.get(value);
    if (index !== undefined) return index;
    if (this.strings.length >= MAX_STRINGS_PER_FIELD) return -1;
    index = this.strings.length;
    this.strings.push(value);
    this.stringIndex.set(value, index);
    return index;
  }
}

/** A fixed-capacity ring of one series' events, stored by column. */
class SeriesRing {
  /** @param {number} capacity the most events kept */
  constructor(capacity) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`a series keeps at least 1 event, not ${capacity}`);
    this.capacity = capacity;
    // Each row's `t`, for the window (NaN where an event has none: such a row ages out by count only).
    this.times = new Float64Array(capacity);
    /** @type {FieldColumn[]} in the order the fields were first seen: the events' key order */
    this.columns = [];
    /** @type {Map<string, number>} */
    this.columnIndex = new Map();
    /** @type {unknown[] | null} events kept whole (no columns fit them), made when first needed */
    this.whole = null;
    this.first = 0;
    this.length = 0;
  }

  /**
   * Appends `event` at time `t` (its own `t` by default), overwriting the oldest when full.
   * @param {any} event
   * @param {number} [t]
   */
  push(event, t = event?.t) {
    if (this.length === this.capacity) this.shift();
    const row = (this.first + this.length) % this.capacity;
    this.length += 1;
    this.times[row] = typeof t === 'number' ? t : NaN;
    if (!this.#fitsColumns(event)) {
      this.whole ??= new Array(this.capacity).fill(undefined);
      this.whole[row] = event;
      for (const column of this.columns) column.clear(row);
      return;
    }
    for (const column of this.columns) {
      if (Object.hasOwn(event, column.name)) column.set(row, event[column.name]);
      else column.clear(row);
    }
  }

  /** Drops the oldest event. */
  shift() {
    if (this.length === 0) return;
    const row = this.first;
    if (this.whole) this.whole[row] = undefined;
    for (const column of this.columns) column.clear(row);
    this.first = (this.first + 1) % this.capacity;
    this.length -= 1;
  }

  /** The `t` of the `i`-th event kept, oldest first. */
  timeAt(i) {
    return this.times[(this.first + i) % this.capacity];
  }

  /** The `i`-th event kept, oldest first, as an object equal to the one pushed (a new one). */
  at(i) {
    const row = (this.first + i) % this.capacity;
    if (this.whole && this.whole[row] !== undefined) return this.whole[row];
    /** @type {Record<string, unknown>} */
    const event = {};
    for (const column of this.columns) if (column.has(row)) event[column.name] = column.get(row);
    return event;
  }

  /** The events kept, oldest first (new objects each call). */
  toArray() {
    return Array.from({ length: this.length }, (_, i) => this.at(i));
  }

  /** Bytes of the ring's own storage: constant once its fields are known. */
  byteLength() {
    const whole = this.whole ? this.whole.length * 8 : 0;
    return this.times.byteLength + whole + this.columns.reduce((sum, column) => sum + column.byteLength(), 0);
  }

  /**
   * Whether `event` can be stored by column, adding columns for new fields: it must be a plain
   * object whose keys come in the order of the columns (so that toArray() gives the same JSON).
   */
  #fitsColumns(event) {
    if (event === null || typeof event !== 'object' || Array.isArray(event)) return false;
    const prototype = Object.getPrototypeOf(event);
    if (prototype !== Object.prototype && prototype !== null) return false;
    let previous = -1;
    for (const key of Object.keys(event)) {
      let index = this.columnIndex.get(key);
      if (index === undefined) {
        if (this.columns.length >= MAX_FIELDS) return false;
        index = this.columns.length;
        this.columns.push(new FieldColumn(key, this.capacity));
        this.columnIndex.set(key, index);
      }
      if (index < previous) return false;
      previous = index;
    }
    return true;
  }
}

module.exports = { SeriesRing };
