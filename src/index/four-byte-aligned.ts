/**
 * The bytes themselves when they start on a 4-byte boundary, so Uint32 and Float32 views of them
 * need no copy, else a copy that does (a Buffer from a file read may start anywhere in its pool).
 */
export function fourByteAligned(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset % 4 === 0 ? bytes : Uint8Array.prototype.slice.call(bytes);
}
