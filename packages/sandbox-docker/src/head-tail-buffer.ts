/**
 * Keeps at most `limit` bytes of a stream: the first half and the last half, so that a runaway command
 * cannot exhaust memory while the start (set-up errors) and the end (test summary) of its output survive.
 */
export class HeadTailBuffer {
  private readonly headLimit: number;
  private readonly tailLimit: number;
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  /** Every byte pushed, kept or not. */
  totalBytes = 0;

  constructor(readonly limit: number) {
    this.headLimit = Math.ceil(limit / 2);
    this.tailLimit = limit - this.headLimit;
  }

  push(chunk: Buffer): void {
    this.totalBytes += chunk.length;
    let rest = chunk;
    if (this.headBytes < this.headLimit) {
      const taken = rest.subarray(0, this.headLimit - this.headBytes);
      this.head.push(taken);
      this.headBytes += taken.length;
      rest = rest.subarray(taken.length);
    }
    if (rest.length === 0 || this.tailLimit === 0) return;
    if (rest.length >= this.tailLimit) {
      this.tail = [Buffer.from(rest.subarray(rest.length - this.tailLimit))];
      this.tailBytes = this.tailLimit;
      return;
    }
    this.tail.push(Buffer.from(rest)); // copy: the caller may reuse its buffer
    this.tailBytes += rest.length;
    while (this.tailBytes - (this.tail[0]?.length ?? 0) >= this.tailLimit) this.tailBytes -= this.tail.shift()!.length;
  }

  get truncated(): boolean {
    return this.totalBytes > this.headBytes + this.tailBytes;
  }

  /** The kept text; when bytes were dropped, a marker in the middle says how many. */
  text(): string {
    const head = Buffer.concat(this.head);
    let tail = Buffer.concat(this.tail);
    if (tail.length > this.tailLimit) tail = tail.subarray(tail.length - this.tailLimit);
    if (!this.truncated) return Buffer.concat([head, tail]).toString('utf8');
    const keptHead = head.subarray(0, utf8PrefixEnd(head));
    const keptTail = tail.subarray(utf8SuffixStart(tail));
    const omitted = this.totalBytes - keptHead.length - keptTail.length;
    return `${keptHead.toString('utf8')}\n[... ${omitted} bytes omitted ...]\n${keptTail.toString('utf8')}`;
  }
}

const isContinuation = (byte: number | undefined): boolean => byte !== undefined && (byte & 0xc0) === 0x80;

/** Length of the longest prefix that does not end inside a UTF-8 sequence. */
function utf8PrefixEnd(bytes: Buffer): number {
  let index = bytes.length;
  let continuations = 0;
  while (index > 0 && continuations < 3 && isContinuation(bytes[index - 1])) {
    index -= 1;
    continuations += 1;
  }
  if (index === 0) return bytes.length;
  const lead = bytes[index - 1]!;
  const length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return length > continuations + 1 ? index - 1 : bytes.length;
}

/** Index of the first byte that starts a UTF-8 sequence (skips a cut sequence's continuation bytes). */
function utf8SuffixStart(bytes: Buffer): number {
  let index = 0;
  while (index < 3 && isContinuation(bytes[index])) index += 1;
  return index;
}
