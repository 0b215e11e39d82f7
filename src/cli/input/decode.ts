import { TextDecoder } from 'node:util';

import iconv from 'iconv-lite';

/** An encoding a number list can come in, named as iconv-lite names it. */
export type TextEncoding = 'utf8' | 'utf16le' | 'utf16be' | 'win1251';

/** How much of a file is looked at to tell UTF-8 from Windows-1251. */
export const SAMPLE_BYTES = 64 * 1024;

/**
 * The encoding of a file from its first bytes: a BOM decides; otherwise valid UTF-8 is UTF-8 and
 * anything else is Windows-1251 (what Russian Excel writes as "CSV"). `complete` says the sample is the
 * whole file, so a multi-byte character cut at its end is an error rather than the next chunk's start.
 */
export function detectEncoding(
  sample: Uint8Array,
  complete: boolean,
): { encoding: TextEncoding; bom: number } {
  if (sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) return { encoding: 'utf8', bom: 3 };
  if (sample[0] === 0xff && sample[1] === 0xfe) return { encoding: 'utf16le', bom: 2 };
  if (sample[0] === 0xfe && sample[1] === 0xff) return { encoding: 'utf16be', bom: 2 };
  try {
    // stream: true keeps an incomplete trailing sequence pending instead of calling it invalid.
    new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: !complete });
    return { encoding: 'utf8', bom: 0 };
  } catch {
    return { encoding: 'win1251', bom: 0 };
  }
}

/**
 * Decodes a byte stream to text chunks, detecting the encoding from its first 64 KB and dropping the BOM.
 * Only the sample is held; the rest is decoded chunk by chunk.
 */
export async function* decodeText(bytes: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  let decoder: iconv.DecoderStream | undefined;
  const pending: Buffer[] = [];
  let pendingBytes = 0;
  const start = (complete: boolean): string => {
    const sample = Buffer.concat(pending);
    pending.length = 0;
    const { encoding, bom } = detectEncoding(sample, complete);
    decoder = iconv.getDecoder(encoding, { stripBOM: false });
    return decoder.write(sample.subarray(bom));
  };
  for await (const chunk of bytes) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (decoder) {
      const text = decoder.write(buffer);
      if (text) yield text;
      continue;
    }
    pending.push(buffer);
    pendingBytes += buffer.length;
    if (pendingBytes >= SAMPLE_BYTES) {
      const text = start(false);
      if (text) yield text;
    }
  }
  if (!decoder) {
    const text = start(true);
    if (text) yield text;
  }
  const tail = decoder?.end();
  if (tail) yield tail;
}
