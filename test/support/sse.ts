/** One Server-Sent Events frame: its `event` (default `message`) and its joined `data` lines. */
export interface SseFrame {
  event: string;
  data: string;
}

/** Reads a whole SSE body into its frames. */
export async function readSse(response: Response): Promise<SseFrame[]> {
  const text = await response.text();
  return text
    .split(/\n\n/)
    .filter((frame) => frame.trim().length > 0)
    .map((frame) => {
      const lines = frame.split('\n');
      const event =
        lines
          .find((line) => line.startsWith('event:'))
          ?.slice(6)
          .trim() ?? 'message';
      const data = lines
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).replace(/^ /, ''))
        .join('\n');
      return { event, data };
    });
}
