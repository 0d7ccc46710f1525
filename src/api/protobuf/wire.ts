// Protocol buffers wire primitives: varints (64-bit as two 32-bit halves, as protobufjs
// does, so no BigInt on the hot path), fixed64 doubles, length-delimited bytes.

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

const TWO_32 = 4294967296;

export class ProtobufReader {
  pos: number;

  constructor(
    readonly buf: Buffer,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  atEnd(): boolean {
    return this.pos >= this.end;
  }

  private fail(what: string): never {
    throw new Error(`protobuf: ${what} at byte ${this.pos}`);
  }

  /** A varint as [low 32 bits, high 32 bits], both unsigned. */
  private varintParts(): [number, number] {
    let lo = 0;
    let hi = 0;
    let i = 0;
    for (; i < 4; i++) {
      if (this.pos >= this.end) this.fail('truncated varint');
      const b = this.buf[this.pos++];
      lo = (lo | ((b & 0x7f) << (i * 7))) >>> 0;
      if (b < 0x80) return [lo, 0];
    }
    // Byte 5 straddles the halves.
    if (this.pos >= this.end) this.fail('truncated varint');
    let b = this.buf[this.pos++];
    lo = (lo | ((b & 0x7f) << 28)) >>> 0;
    hi = (b & 0x7f) >> 4;
    if (b < 0x80) return [lo, hi];
    for (i = 0; i < 5; i++) {
      if (this.pos >= this.end) this.fail('truncated varint');
      b = this.buf[this.pos++];
      hi = (hi | ((b & 0x7f) << (i * 7 + 3))) >>> 0;
      if (b < 0x80) return [lo, hi];
    }
    this.fail('varint longer than 10 bytes');
  }

  /** Unsigned 32-bit values (tags, lengths). */
  uint32(): number {
    return this.varintParts()[0];
  }

  int32(): number {
    return this.varintParts()[0] | 0;
  }

  /** Signed 64-bit as a Number (exact up to 2^53). */
  int64(): number {
    const [lo, hi] = this.varintParts();
    return (hi | 0) * TWO_32 + lo;
  }

  bool(): boolean {
    const [lo, hi] = this.varintParts();
    return lo !== 0 || hi !== 0;
  }

  double(): number {
    if (this.pos + 8 > this.end) this.fail('truncated fixed64');
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  float(): number {
    if (this.pos + 4 > this.end) this.fail('truncated fixed32');
    const v = this.buf.readFloatLE(this.pos);
    this.pos += 4;
    return v;
  }

  /** A length-delimited field: returns [start, end) of its payload and moves past it. */
  delimited(): [number, number] {
    const len = this.uint32();
    const start = this.pos;
    if (start + len > this.end) this.fail(`length ${len} runs past the end of the message`);
    this.pos = start + len;
    return [start, start + len];
  }

  bytes(): Buffer {
    const [s, e] = this.delimited();
    return this.buf.subarray(s, e);
  }

  string(): string {
    const [s, e] = this.delimited();
    return this.buf.toString('utf8', s, e);
  }

  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varintParts();
        return;
      case WIRE_FIXED64:
        if (this.pos + 8 > this.end) this.fail('truncated fixed64');
        this.pos += 8;
        return;
      case WIRE_BYTES:
        this.delimited();
        return;
      case WIRE_FIXED32:
        if (this.pos + 4 > this.end) this.fail('truncated fixed32');
        this.pos += 4;
        return;
      default:
        this.fail(`unsupported wire type ${wireType}`);
    }
  }
}

export class ProtobufWriter {
  private buf = Buffer.allocUnsafe(256);
  private pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  private varintParts(lo: number, hi: number): void {
    this.ensure(10);
    while (hi !== 0 || lo > 0x7f) {
      this.buf[this.pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    this.buf[this.pos++] = lo;
  }

  tag(number: number, wireType: number): void {
    this.uint32((number << 3) | wireType);
  }

  uint32(v: number): void {
    this.varintParts(v >>> 0, 0);
  }

  /** int32 and int64 alike: negative values take ten bytes, as protobuf requires. */
  int64(v: number): void {
    if (v >= 0 && v < TWO_32) return this.varintParts(v, 0);
    const big = BigInt.asUintN(64, BigInt(Math.trunc(v)));
    this.varintParts(Number(big & 0xffffffffn), Number(big >> 32n));
  }

  bool(v: boolean): void {
    this.varintParts(v ? 1 : 0, 0);
  }

  double(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  bytes(b: Uint8Array): void {
    this.uint32(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  string(s: string): void {
    const len = Buffer.byteLength(s);
    this.uint32(len);
    this.ensure(len);
    this.buf.write(s, this.pos, 'utf8');
    this.pos += len;
  }

  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}
