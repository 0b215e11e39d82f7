/** One message of a Server-Sent Events stream. */
export interface SseMessage {
  /** The `id:` field, when the message had one (the last id seen, as EventSource keeps it). */
  id: string | undefined;
  /** The `event:` field; `message` when there was none. */
  event: string;
  /** The `data:` lines joined by line breaks. */
  data: string;
}

/**
 * The messages of a Server-Sent Events stream, as the HTML standard parses them: lines end in LF, CR
 * or CRLF, a blank line ends a message, `:` starts a comment (a keep-alive), `field: value` with one space
 * after the colon dropped. `retry:` is handed to `onRetry`. Ends when the stream ends; a message cut off
 * before its blank line is dropped, as the standard says. A message of only an `id:` (no data) is yielded
 * with empty data: it moves the last event id (EventSource sets lastEventId from it too) and is no event.
 */
export async function* sseMessages(
  stream: AsyncIterable<Buffer | string>,
  onRetry?: (ms: number) => void,
): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder('utf-8');
  let buffer = '';
  let data: string[] = [];
  let event = '';
  let id: string | undefined;
  let hasId = false;
  /** An id field in the message being read: a message of only an id still moves the last event id. */
  let idHere = false;
  for await (const chunk of stream) {
    buffer += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    for (;;) {
      const end = buffer.search(/\r\n|\r|\n/);
      // A lone CR at the end may be the first half of a CRLF: wait for more.
      if (end < 0 || (buffer[end] === '\r' && end === buffer.length - 1)) break;
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + (buffer.startsWith('\r\n', end) ? 2 : 1));
      if (line === '') {
        if (data.length || idHere) {
          yield { id: hasId ? id : undefined, event: event || 'message', data: data.join('\n') };
        }
        data = [];
        event = '';
        idHere = false;
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') data.push(value);
      else if (field === 'event') event = value;
      else if (field === 'id' && !value.includes('\0')) {
        id = value;
        hasId = true;
        idHere = true;
      } else if (field === 'retry' && /^\d+$/.test(value)) onRetry?.(Number(value));
    }
  }
}
