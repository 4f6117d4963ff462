import { describe, expect, it } from 'vitest';
import { HeadTailBuffer } from '../src/head-tail-buffer';

const feed = (buffer: HeadTailBuffer, text: string, chunkSize: number): void => {
  const bytes = Buffer.from(text, 'utf8');
  for (let offset = 0; offset < bytes.length; offset += chunkSize) buffer.push(bytes.subarray(offset, offset + chunkSize));
};

describe('HeadTailBuffer', () => {
  it('keeps everything up to the limit, in any chunking', () => {
    for (const chunkSize of [1, 3, 7, 100]) {
      const buffer = new HeadTailBuffer(20);
      feed(buffer, 'exactly twenty bytes', chunkSize);
      expect(buffer.truncated).toBe(false);
      expect(buffer.text()).toBe('exactly twenty bytes');
    }
  });

  it('keeps the first and the last half past the limit and says how much it dropped', () => {
    for (const chunkSize of [1, 4, 9, 1000]) {
      const buffer = new HeadTailBuffer(10);
      feed(buffer, 'HEAD-' + 'x'.repeat(500) + '-TAIL', chunkSize);
      expect(buffer.truncated).toBe(true);
      expect(buffer.totalBytes).toBe(510);
      expect(buffer.text()).toBe('HEAD-\n[... 500 bytes omitted ...]\n-TAIL');
    }
  });

  it('never cuts a UTF-8 character in half', () => {
    for (const chunkSize of [1, 2, 5]) {
      const buffer = new HeadTailBuffer(8);
      feed(buffer, 'ééé' + 'z'.repeat(50) + '世界', chunkSize); // é is 2 bytes, 世 and 界 are 3
      const text = buffer.text();
      expect(text).not.toContain('\uFFFD');
      expect(text.startsWith('éé')).toBe(true);
      expect(text.endsWith('界')).toBe(true);
    }
  });

  it('copes with a zero-byte tail and a single huge chunk', () => {
    const one = new HeadTailBuffer(1);
    one.push(Buffer.from('abc'));
    expect(one.text()).toBe('a\n[... 2 bytes omitted ...]\n');
    const huge = new HeadTailBuffer(6);
    huge.push(Buffer.from('0123456789'));
    expect(huge.text()).toBe('012\n[... 4 bytes omitted ...]\n789');
  });
});
