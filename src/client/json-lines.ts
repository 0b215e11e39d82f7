/** A stream of JSON lines that ended early: the connection dropped, or its last line came half. */
export class StreamCutError extends Error {
  // Matched by name, not class identity: bundling may rename classes.
  override readonly name = 'StreamCutError';
}

/**
 * The lines of a JSON lines answer (a plan, a report) as text, each as it comes, so the whole answer is
 * never held; a caller that only passes lines on (a plan printed as JSON) never parses them. Stopping
 * early (break, return) destroys the stream and frees the connection. A connection that breaks, or a last
 * line without its end, means the answer was cut: StreamCutError.
 */
export async function* textLines(body: NodeJS.ReadableStream): AsyncGenerator<string> {
  let rest = '';
  body.setEncoding('utf8'); // a Cyrillic letter may straddle two chunks
  try {
    for await (const chunk of body) {
      const lines = (rest + String(chunk)).split('\n');
      rest = lines.pop() ?? '';
      for (const text of lines) if (text) yield text;
    }
  } catch (err) {
    throw new StreamCutError(err instanceof Error ? err.message : String(err));
  }
  if (rest.trim()) throw new StreamCutError('the last line came without its end');
}

/**
 * The lines of a JSON lines answer, each parsed. They are the backend's own and trusted like any answer
 * body of the client; a line that does not parse means the answer was cut (StreamCutError).
 */
export async function* jsonLines<T>(body: NodeJS.ReadableStream): AsyncGenerator<T> {
  for await (const text of textLines(body)) {
    let line: T;
    try {
      line = JSON.parse(text) as T;
    } catch (err) {
      throw new StreamCutError(err instanceof Error ? err.message : String(err));
    }
    yield line;
  }
}
