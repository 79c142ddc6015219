/** Control characters, line and paragraph separators, and bidirectional overrides. */
const UNPRINTABLE = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * Escapes the characters that would let a value (a file name, say) start a new line or reorder
 * the text around it when printed in a log or a terminal: `\n` becomes the two characters `\n`,
 * other control characters `\u001b`. Everything else, backslashes included, is left as it is,
 * so a message about an ordinary name reads exactly as before.
 *
 * @example
 * oneLine('skipped evil\nwarning: forged.txt: empty file'); // 'skipped evil\\nwarning: forged.txt: empty file'
 */
export function oneLine(text: string): string {
  return text.replace(
    UNPRINTABLE,
    (character) => NAMED[character] ?? `\\u${character.codePointAt(0)!.toString(16).padStart(4, '0')}`,
  );
}
